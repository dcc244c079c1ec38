"""One limiter for every door: login, password reset, the resident look-up and
submission, Open311 and the API.

Counting is django-ratelimit's (``get_usage``): fixed windows per key, kept in Django's
cache (Redis in production, shared by every worker), each window's end staggered per key.
Every rate is a setting in ``LINLI["THROTTLES"]`` named after its door, as ``N/period``
(``5/15m``), from ``LINLI_THROTTLE_<DOOR>`` in the environment.

Two ways to use a door:

- failures only (sign-in, look-up): ``check`` before trying, ``hit`` after a failure —
  refused once ``limit`` failures are counted in the window, even with the right password;
- every request (submission, Open311, API, reset mails): ``consume`` — refused past
  ``limit`` requests in the window.

A refusal raises ``Throttled`` with the seconds left in the window (``Retry-After``).
Pages answer 429 with ``templates/429.html`` (``ThrottledMiddleware``) or their own form;
Open311 and the API answer 429 in their own error format.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_ratelimit.core import get_usage
from rest_framework.throttling import BaseThrottle

from core.audit import record
from core.client import client_address
from core.models import SecurityEventKind
from core.rates import parse_rate

# What a refused person reads first, by door (the second sentence says when to retry).
LEADS = {
    "login": gettext_lazy("Too many failed sign-in attempts."),
    "password_reset": gettext_lazy("Too many password-reset requests."),
    "lookup": gettext_lazy("Too many unsuccessful look-ups."),
    "submission": gettext_lazy("We have received several submissions from your network recently."),
    "sms_code": gettext_lazy("Too many text-message codes were asked for."),
    "sms_verify": gettext_lazy("Too many wrong codes."),
    "open311": gettext_lazy("Too many requests."),
    "api": gettext_lazy("Too many requests."),
}


@dataclass(frozen=True)
class Usage:
    door: str
    count: int
    limit: int
    retry_after: int  # seconds until this window ends

    @property
    def exhausted(self) -> bool:
        return self.count >= self.limit


class Throttled(Exception):
    """A door refused: ``retry_after`` seconds until its window ends."""

    def __init__(self, door: str, retry_after: int, *, first: bool = False):
        self.door = door
        self.retry_after = max(1, int(retry_after))
        self.retry_at = timezone.now() + dt.timedelta(seconds=self.retry_after)
        # The first refusal in this window (recorded; later ones are not, to not flood).
        self.first = first
        super().__init__(f"{door} throttled for {self.retry_after}s")

    @property
    def group(self) -> str:
        """The door's family for messages: ``login_pair`` -> ``login``."""
        for prefix in (
            "password_reset",
            "login",
            "lookup",
            "submission",
            "sms_code",
            "sms_verify",
            "open311",
            "api",
        ):
            if self.door.startswith(prefix):
                return prefix
        return self.door

    def when(self) -> str:
        """'Please try again after 14:35 (in 12 minutes).' in the active language."""
        local = timezone.localtime(self.retry_at)
        same_day = local.date() == timezone.localdate()
        at = formats.date_format(local, "H:i" if same_day else "Y-m-d H:i")
        minutes = math.ceil(self.retry_after / 60)
        return ngettext(
            "Please try again after %(time)s (in %(minutes)d minute).",
            "Please try again after %(time)s (in %(minutes)d minutes).",
            minutes,
        ) % {"time": at, "minutes": minutes}

    def message(self) -> str:
        lead = str(LEADS.get(self.group, _("Too many requests.")))
        # Chinese sentences follow each other without a space; the catalogue says so.
        return _("%(lead)s %(when)s") % {"lead": lead, "when": self.when()}


def rate_of(door: str) -> tuple[int, int]:
    try:
        return parse_rate(settings.LINLI["THROTTLES"][door])
    except KeyError:
        raise KeyError(f"no rate for door {door!r} in LINLI['THROTTLES']") from None


def _usage(door: str, value: str, *, increment: bool) -> Usage:
    limit, period = rate_of(door)
    raw = get_usage(
        None,
        group=f"linli:{door}",
        key=lambda _group, _request: value,
        rate=(limit, period),
        increment=increment,
    )
    if raw is None:  # RATELIMIT_ENABLE = False
        return Usage(door, 0, limit, 0)
    if raw["time_left"] < 0:  # the cache did not answer: refuse (fail closed)
        return Usage(door, limit + 1, limit, period)
    return Usage(door, raw["count"], limit, raw["time_left"])


def usage(door: str, value: str) -> Usage:
    """How much of ``door``'s window ``value`` has used, without counting."""
    return _usage(door, value, increment=False)


def check(door: str, value: str) -> None:
    """Raise ``Throttled`` if ``value`` has used up ``door``'s window (counts nothing)."""
    current = usage(door, value)
    if current.exhausted:
        raise Throttled(door, current.retry_after)


def hit(door: str, value: str) -> Usage:
    """Count one failure; ``usage.count == usage.limit`` means this one locked the door."""
    return _usage(door, value, increment=True)


def consume(door: str, value: str) -> Usage:
    """Count one request and raise ``Throttled`` if it is past the limit."""
    current = _usage(door, value, increment=True)
    if current.count > current.limit:
        raise Throttled(door, current.retry_after, first=current.count == current.limit + 1)
    return current


def set_retry_after(response, exc: Throttled):
    """A 429 answer with ``Retry-After`` (seconds to the window's end)."""
    response.status_code = 429
    response["Retry-After"] = str(exc.retry_after)
    return response


class ThrottledMiddleware:
    """Turns a ``Throttled`` raised by a page into 429 with ``Retry-After`` and a page in
    the user's language saying when to try again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, Throttled):
            return None
        response = render(
            request,
            "429.html",
            {"throttled": exception, "back": request.path},
            status=429,
        )
        return set_retry_after(response, exception)


class ApiThrottle(BaseThrottle):
    """The REST API's throttle (DRF answers 429 with ``Retry-After`` and its JSON
    ``detail``): per token when one authenticated, else per client address."""

    def allow_request(self, request, view):
        token = request.auth
        if token is not None and getattr(token, "pk", None) is not None:
            door, value = "api_token", f"token:{token.pk}"
        else:
            door, value = "api_anonymous", client_address(request)
        try:
            consume(door, value)
        except Throttled as exc:
            self._wait = exc.retry_after
            if exc.first:
                record(
                    SecurityEventKind.THROTTLED,
                    request=request._request,
                    actor=request.user if request.user.is_authenticated else None,
                    detail={"door": door},
                )
            return False
        return True

    def wait(self):
        return getattr(self, "_wait", None)
