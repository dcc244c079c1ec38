"""The person-name rule: one way to write a user's name, everywhere (pages, PDFs, mail,
SMS, exports, the event log).

A user's **display name** (``core.models.Profile.display_name``, set by the user on
their profile page or by an administrator) is how they are written, as they wrote it.
Without one, the name is built from the user model's ``first_name`` (given) and
``last_name`` (family): Chinese names family name first with no space (张晓燕), Latin
names as "Given Family" (Hongmei Chen); a name with any CJK character is taken as
Chinese. A user with no name at all is shown by their account name. Templates use the
``person`` filter (``{% load linli %}``), code ``person_name``.

Cost: a page naming many people must not pay a query per person. Inside a request
(``core.middleware.RequestContextMiddleware`` opens a *name scope*) the first name asked
for loads every display name in one query — a street office has tens to hundreds of
staff accounts, never one per case — and later names are free. Outside a request (jobs,
commands, the shell) each user's profile is read once per user object.
"""

from __future__ import annotations

import contextvars
import unicodedata

from django.core.exceptions import ObjectDoesNotExist

_scope: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "linli_display_names", default=None
)
_UNLOADED = object()


def _is_cjk(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("CJK") for ch in text)


def compose_name(*, given: str, family: str) -> str:
    """The name made from its parts by the Chinese-order rule: 张晓燕 for a Han name (family
    then given, no space), "Hongmei Chen" for a Latin one; "" when both are empty."""
    given, family = (given or "").strip(), (family or "").strip()
    if _is_cjk(given + family):
        return f"{family}{given}"
    return f"{given} {family}".strip()


def open_name_scope():
    """Start a request's memo of display names; returns the token for ``close_name_scope``."""
    return _scope.set({"loaded": _UNLOADED})


def close_name_scope(token) -> None:
    _scope.reset(token)


def forget_display_names() -> None:
    """A display name changed: the memo of the current request (if any) is stale."""
    memo = _scope.get()
    if memo is not None:
        memo["loaded"] = _UNLOADED


def _display_name(user) -> str:
    state = getattr(user, "_state", None)
    cached = state.fields_cache.get("profile", _UNLOADED) if state else _UNLOADED
    if cached is None:  # select_related("profile") found none
        return ""
    if cached is not _UNLOADED:
        return (cached.display_name or "").strip()
    memo = _scope.get()
    if memo is not None:
        if memo["loaded"] is _UNLOADED:
            from django.apps import apps

            profile = apps.get_model("core", "Profile")
            memo["loaded"] = dict(
                profile.objects.exclude(display_name="").values_list("user_id", "display_name")
            )
        return (memo["loaded"].get(user.pk) or "").strip()
    if user.pk is None:
        return ""
    try:
        return (user.profile.display_name or "").strip()
    except ObjectDoesNotExist:  # no profile: no display name
        return ""


def person_name(user) -> str:
    """``user``'s name as people say it: their display name if they have one, else 张晓燕
    (family name first) or "Hongmei Chen"; an em dash for nobody."""
    if user is None:
        return "—"
    shown = _display_name(user)
    if shown:
        return shown
    composed = compose_name(given=user.first_name, family=user.last_name)
    return composed or user.get_username()


def list_separator() -> str:
    """How the reader's language joins a list of names (or any items): 、 in Chinese, a
    comma and a space in English."""
    from django.utils.translation import get_language

    return "、" if (get_language() or "").startswith("zh") else ", "
