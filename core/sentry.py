"""What error reports (Sentry, GlitchTip) may carry: the error and where it happened, not
who was involved. sentry-sdk runs with send_default_pii=False; this removes what is
still personal — query strings (a look-up reference), cookies, headers that identify the
client, the user block, and the server's name."""

from __future__ import annotations

_KEEP_HEADERS = {"content-type", "content-length", "accept-language", "user-agent"}


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """sentry-sdk's ``before_send``: the event without personal data."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("data", None)
        request.pop("env", None)
        if request.get("query_string"):
            request["query_string"] = "[removed]"
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items() if k.lower() in _KEEP_HEADERS}
    event.pop("user", None)
    event.pop("server_name", None)
    return event
