"""Two security middlewares: idle session expiry and the request size limit. (Sign-in
throttling is the one limiter's: ``core.login`` and ``core.throttle``.)"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

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


def stamp_login(sender, request, user, **kwargs):
    """Start the idle clock at sign-in (saved with the login's own session write).
    Connected to ``user_logged_in`` by ``core.apps``."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())
