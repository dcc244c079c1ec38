"""Middleware every response passes through: the request id that ties log lines together,
and the headers that keep personal data out of caches and the browser's powerful features
off.

Both sit at the top of ``MIDDLEWARE`` so that they see every response, including the ones
middleware further in answers by itself (413, redirects, CSRF failures, static files).
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.utils.cache import patch_cache_control

from core.http import NO_STORE, PERMISSIONS_ALLOWED, permissions_policy_header
from core.logging import bind_request, unbind_request
from core.names import close_name_scope, open_name_scope

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's id may look like (nginx's $request_id is 32 hex digits): nothing that
# could carry text into a log line.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")


def _request_id(request) -> str:
    """The trusted proxy's id for this request (so its log and ours can be joined), or a
    new random one. A client's own X-Request-ID is ignored: it could otherwise make its
    requests look like someone else's in the logs."""
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    trusted = settings.LINLI.get("TRUSTED_PROXIES", [])
    if incoming and request.META.get("REMOTE_ADDR") in trusted and _REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Gives each request an id (``request.request_id``, answered as ``X-Request-ID``) and
    makes the request known to the log formatter, so every line logged while serving it
    carries its id, method and path (``core.logging``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = _request_id(request)
        token = bind_request(request)
        names_token = open_name_scope()  # one query for all the page's names (core.names)
        try:
            response = self.get_response(request)
        finally:
            close_name_scope(names_token)
            unbind_request(token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class PrivacyHeadersMiddleware:
    """``Cache-Control: no-store, private`` where a response may hold personal data: every
    response to a signed-in user or an API token (pages, exports, attachments, PDFs) and
    every view marked with ``core.http.no_store`` (the resident's pages). Shared caches
    and the browser's disk cache keep no copy; the back button asks the server again.

    ``Permissions-Policy`` on every response: camera, microphone, geolocation and the
    other powerful features are off unless a view allows them with
    ``core.http.permissions_policy``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        view = getattr(request, "_linli_view", None)
        if getattr(view, NO_STORE, False) or _signed_in(request):
            patch_cache_control(response, no_store=True, private=True)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = permissions_policy_header(
                getattr(view, PERMISSIONS_ALLOWED, None)
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request._linli_view = view_func
        # The session's user as the view found it: REST framework replaces request.user
        # with its own (token) authentication's result, anonymous for a staff session.
        request._linli_session_user = getattr(request, "user", None)


def _signed_in(request) -> bool:
    """Whether a user (session) or an API token was behind this response. Reading the
    lazy user costs nothing more where the login requirement has already read it."""
    return any(
        user is not None and user.is_authenticated
        for user in (getattr(request, "_linli_session_user", None), getattr(request, "user", None))
    )
