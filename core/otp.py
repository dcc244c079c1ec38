"""Two-factor sign-in: a TOTP authenticator app (django-otp) after the password.

Who must use it: superusers and staff (the admin), and whoever an app registers with
``require_two_factor_for`` (casework: supervisors). Everyone else who signs in may turn it
on, and once on it is asked for at every sign-in. While ``LINLI["TWO_FACTOR_REQUIRED"]``
is on (production and tests; off in ``make run``'s demo, with a notice on every page),
a user who must use it reaches no staff page and not the admin until they have set it up
and given a code this session.

Codes are checked by django-otp, whose devices throttle themselves: after each wrong code
the next try waits twice as long (1, 2, 4 … seconds, per device), and a code is accepted
once. Ten single-use recovery codes (django-otp's static device) are shown once at set-up.
"""

from __future__ import annotations

import logging
import math
import time
from base64 import b32encode
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.signals import user_logged_in
from django.core import checks
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import record
from core.models import SecurityEventKind

logger = logging.getLogger("linli.security")

RECOVERY_CODES = 10
STATE_KEY = "linli-2fa"
STATE_SECONDS = 300  # how long the session remembers "needs / has two-factor"
PENDING_SECONDS = 3600  # an unconfirmed set-up (its secret on screen) is renewed after this
DEVICE_NAME = "authenticator"


# ------------------------------------------------------------------ security record


TWO_FACTOR_KINDS = {
    "two_factor.enrolled": SecurityEventKind.TWO_FACTOR_ENROLLED,
    "two_factor.verified": SecurityEventKind.TWO_FACTOR_VERIFIED,
    "two_factor.failed": SecurityEventKind.TWO_FACTOR_FAILED,
    "two_factor.throttled": SecurityEventKind.TWO_FACTOR_THROTTLED,
    "two_factor.recovery_used": SecurityEventKind.TWO_FACTOR_RECOVERY_USED,
    "two_factor.recovery_renewed": SecurityEventKind.TWO_FACTOR_RECOVERY_RENEWED,
    "two_factor.reset": SecurityEventKind.TWO_FACTOR_RESET,
}


def record_security_event(kind: str, *, request=None, actor=None, subject=None, **details):
    """THE call site for two-factor events in the security record (``core.audit``): kinds
    two_factor.enrolled, .verified, .failed, .throttled, .recovery_used, .recovery_renewed,
    .reset. The record keeps ids only: a reset's ``reason`` (free text that may name
    people) stays in the user's admin history, never in the record or the logs."""
    record(
        TWO_FACTOR_KINDS[kind],
        request=request,
        actor=actor,
        obj=subject,
        detail={"reason_given": bool(details.get("reason"))} if "reason" in details else None,
    )


# --------------------------------------------------------------------------- policy

_requirements: list[Callable[[object], bool]] = []


def require_two_factor_for(predicate: Callable[[object], bool]) -> None:
    """Register who else must use two-factor (an app's roles, e.g. supervisors)."""
    if predicate not in _requirements:
        _requirements.append(predicate)


def enforced() -> bool:
    return bool(settings.LINLI["TWO_FACTOR_REQUIRED"])


def two_factor_required(user) -> bool:
    """Superusers, staff (the admin) and registered roles. Technical users with no
    password (API tokens) never sign in on the pages."""
    if not getattr(user, "is_authenticated", False) or not user.has_usable_password():
        return False
    return user.is_superuser or user.is_staff or any(p(user) for p in _requirements)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def is_verified(request) -> bool:
    """Whether this session gave a code (django-otp's middleware loads the device)."""
    is_verified_now = getattr(request.user, "is_verified", None)
    return bool(is_verified_now and is_verified_now())


def state(request, *, fresh: bool = False) -> dict:
    """{"required", "enrolled"} for the signed-in user, remembered in the session for a few
    minutes so that pages cost no query for it (a role or a reset counts within them)."""
    cached = request.session.get(STATE_KEY)
    if (
        not fresh
        and cached
        and cached.get("uid") == request.user.pk
        and int(time.time()) - cached.get("at", 0) < STATE_SECONDS
    ):
        return cached
    return _remember_state(request.session, request.user)


def _remember_state(session, user) -> dict:
    cached = {
        "uid": user.pk,
        "at": int(time.time()),
        "required": two_factor_required(user),
        "enrolled": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
    }
    session[STATE_KEY] = cached
    return cached


def _state_at_login(sender, request, user, **kwargs):
    """Work out at sign-in what the session needs (so the first page costs nothing)."""
    session = getattr(request, "session", None)
    if session is not None:
        _remember_state(session, user)


user_logged_in.connect(_state_at_login, dispatch_uid="linli-two-factor-state")


# ------------------------------------------------------------------------ set-up


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device whose secret the set-up page shows (renewed hourly)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is not None and device.created_at is not None:
        age = time.time() - device.created_at.timestamp()
        if age > PENDING_SECONDS:
            device.delete()
            device = None
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret for typing into an app by hand: base32 in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI as a QR code (an SVG data URI), drawn here — no network. The
    four-module quiet zone is the standard's: phone cameras need it."""
    # Loaded when someone enrols, not at every start.
    import segno

    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=4)


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def confirm_enrolment(request, *, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm a set-up with the app's first code: the device replaces any earlier one,
    new recovery codes are made (returned, to be shown once) and this session counts as
    verified. None if the code is wrong (or the device is throttled)."""
    user = request.user
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if device.confirmed or not device.verify_token(_digits(code)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = _new_recovery_codes(user)
    _verified(request, device)
    record_security_event("two_factor.enrolled", request=request, actor=user, subject=user)
    return codes


def renew_recovery_codes(request) -> list[str]:
    """New recovery codes for a verified user; the old ones stop working."""
    with transaction.atomic():
        codes = _new_recovery_codes(request.user)
    record_security_event(
        "two_factor.recovery_renewed", request=request, actor=request.user, subject=request.user
    )
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# ---------------------------------------------------------------------- sign-in


class Throttled(Exception):
    def __init__(self, wait_seconds: int):
        super().__init__(wait_seconds)
        self.wait_seconds = wait_seconds


def _digits(code: str) -> str:
    return "".join((code or "").split())


def verify(request, code: str) -> TOTPDevice | StaticDevice | None:
    """Check a code from the app (six digits) or a recovery code against the user's own
    devices; on success the session counts as verified (its key is renewed). Raises
    Throttled while the device is still waiting after wrong codes (django-otp's back-off,
    doubling per failure: the OTP step's rate limit)."""
    user = request.user
    code = _digits(code).lower()
    if not code:
        return None
    if code.isdigit():
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    with transaction.atomic():
        for device in devices.select_for_update().order_by("-id"):
            allowed, info = device.verify_is_allowed()
            if not allowed:
                locked_until = (info or {}).get("locked_until")
                wait = math.ceil(locked_until.timestamp() - time.time()) if locked_until else 1
                record_security_event(
                    "two_factor.throttled", request=request, actor=user, subject=user
                )
                raise Throttled(max(1, wait))
            if device.verify_token(code):
                break
        else:
            device = None
    if device is None:
        record_security_event("two_factor.failed", request=request, actor=user, subject=user)
        return None
    _verified(request, device)
    kind = "two_factor.recovery_used" if isinstance(device, StaticDevice) else "two_factor.verified"
    record_security_event(kind, request=request, actor=user, subject=user)
    return device


def _verified(request, device) -> None:
    # A new session key for the raised privilege (as at login), then django-otp's mark.
    request.session.cycle_key()
    otp_login(request, device)
    state(request, fresh=True)


# ------------------------------------------------------------------------- reset


def reset_two_factor(*, user, actor, reason: str, request=None) -> int:
    """Remove a user's authenticator and recovery codes (a lost or replaced phone); they
    set it up again at their next sign-in. Recorded in the user's admin history and the
    security record. Returns how many devices were removed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a reason is required")
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0)
        StaticDevice.objects.filter(user=user).delete()
        LogEntry.objects.log_actions(
            user_id=actor.pk,
            queryset=[user],
            action_flag=CHANGE,
            change_message=f"Two-factor sign-in reset: {reason}",
            single_object=True,
        )
    record_security_event(
        "two_factor.reset",
        request=request,
        actor=actor,
        subject=user,
        reason=reason,
    )
    return removed


# ------------------------------------------------------------------- middleware


def _path_with_next(name: str, request) -> str:
    return f"{reverse(name)}?next={quote(request.get_full_path())}"


class TwoFactorMiddleware:
    """After the password: a user with an authenticator gives a code before any staff page
    or the admin; a user who must use two-factor and has none sets it up first (while
    enforced). Public pages (the resident portal, Open311, the token API), the two-factor
    pages themselves and logging out stay reachable."""

    EXEMPT_VIEW_NAMES = frozenset({"logout", "admin:logout"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Public views first: they never load the session's user for this (/healthz).
        if getattr(view_func, "two_factor_exempt", False):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in self.EXEMPT_VIEW_NAMES:
            return None
        in_admin = match is not None and match.namespace.split(":")[0] == "admin"
        if not in_admin and not getattr(view_func, "login_required", True):
            return None  # public: the same for everyone
        return second_factor_owed(request)


def second_factor_owed(request):
    """Where a signed-in user who still owes the second factor must go first (the code,
    or the set-up while enforced), else None. The middleware's rule, also for a public
    address that shows a signed-in user a staff page (``/``: the dashboard)."""
    if not request.user.is_authenticated or is_verified(request):
        return None
    now = state(request)
    if now["enrolled"]:
        return redirect(_path_with_next("two_factor:verify", request))
    if now["required"] and enforced():
        return redirect(_path_with_next("two_factor:setup", request))
    return None


def two_factor_exempt(view):
    """Mark a view reachable before the code is given (the two-factor pages)."""
    view.two_factor_exempt = True
    return view


def context(request) -> dict:
    """For the page header: ``two_factor_pending`` (the code or the set-up is still owed:
    the header offers no staff pages) and ``two_factor_not_enforced`` (the demo's notice)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or is_verified(request):
        return {}
    now = state(request)
    if enforced():
        return {"two_factor_pending": now["enrolled"] or now["required"]}
    return {"two_factor_pending": now["enrolled"], "two_factor_not_enforced": now["required"]}


# ------------------------------------------------------------------- system check


@checks.register(checks.Tags.security, deploy=True)
def check_two_factor_enforced(app_configs, **kwargs):
    if enforced():
        return []
    return [
        checks.Warning(
            "Two-factor sign-in is not enforced (LINLI_TWO_FACTOR_REQUIRED is off): "
            "supervisors and administrators can sign in with a password alone.",
            id="linli.W201",
        )
    ]


__all__ = [
    "DEVICE_ID_SESSION_KEY",
    "TwoFactorMiddleware",
    "confirm_enrolment",
    "record_security_event",
    "require_two_factor_for",
    "reset_two_factor",
    "two_factor_required",
    "verify",
]
