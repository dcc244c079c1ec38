"""Security plumbing that is not casework: login throttling, idle session expiry and the
request size limit."""

from __future__ import annotations

import hashlib
import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# ----------------------------------------------------------------- login throttling


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"linli:login:{kind}:{digest}"


def _limits():
    s = settings.LINLI
    return (
        s["LOGIN_FAILURES_PER_ACCOUNT"],
        s["LOGIN_FAILURES_PER_ADDRESS"],
        s["LOGIN_LOCKOUT_SECONDS"],
    )


def login_locked(username: str, address: str) -> bool:
    per_account, per_address, _window = _limits()
    return (cache.get(_key("account", username), 0) >= per_account) or (
        cache.get(_key("address", address), 0) >= per_address
    )


def login_failed(username: str, address: str) -> None:
    _a, _b, window = _limits()
    for key in (_key("account", username), _key("address", address)):
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)


def login_succeeded(username: str) -> None:
    cache.delete(_key("account", username))


class ThrottledAuthenticationForm(AuthenticationForm):
    """Locks an account after repeated failures, and an address after more. The lock
    message is the same whether or not the account exists."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": gettext_lazy(
            "Too many failed attempts. Wait %(minutes)d minutes and try again, or ask your "
            "administrator to reset your password."
        ),
    }

    def clean(self):
        from casework.portal import client_address

        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request else ""
        if login_locked(username, address):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": max(1, _limits()[2] // 60)},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failed(username, address)
            raise
        login_succeeded(username)
        return cleaned


# ----------------------------------------------------------------- idle sessions

LAST_SEEN = "linli-last-seen"


class IdleTimeoutMiddleware:
    """Signs a user out after ``SESSION_IDLE_SECONDS`` without a request. The timestamp is
    refreshed at most once a minute, so a busy page does not write the session each time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if last is not None and now - last > settings.SESSION_IDLE_SECONDS:
                logout(request)
                messages.info(request, _("You were signed out after a period of inactivity."))
                return redirect(f"{settings.LOGIN_URL_PATH}?next={request.path}")
            if last is None or now - last >= 60:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


# ----------------------------------------------------------------- request size


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is larger than any form here accepts (the
    largest upload plus its fields) before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.LINLI["MAX_REQUEST_BYTES"]:
            limit_mb = settings.LINLI["MAX_UPLOAD_BYTES"] // (1024 * 1024)
            return HttpResponse(
                _("The request is too large: files may be at most %(mb)d MB.") % {"mb": limit_mb},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def _stamp_login(sender, request, user, **kwargs):
    """Start the idle clock at sign-in (saved with the login's own session write)."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())


user_logged_in.connect(_stamp_login, dispatch_uid="linli-idle-stamp-login")
