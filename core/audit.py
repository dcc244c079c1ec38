"""Writing the security record: one ``record`` call, the request it belongs to, and the
two things recorded without being asked (refused access, changes in the admin).

Every event is also a line on the ``linli.security`` logger (JSON in production) with
the same fields: kind, account, client address, object, path and detail — never a
phone number, a status code, a password or a resident's name.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging

from django.conf import settings
from django.core.cache import cache

from core.client import client_address
from core.models import SecurityEvent, SecurityEventKind

logger = logging.getLogger("linli.security")

_current_request: contextvars.ContextVar = contextvars.ContextVar(
    "linli_current_request", default=None
)


def pseudonym(value: str) -> str:
    """A keyed hash to correlate events about one reference or e-mail without storing it."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}\n{value.strip().casefold()}".encode())
    return digest.hexdigest()[:16]


def current_request():
    """The request being served in this thread or task, if any (for signal handlers)."""
    return _current_request.get()


def record(
    kind: str,
    *,
    request=None,
    actor=None,
    username: str = "",
    address: str = "",
    obj=None,
    object_type: str = "",
    object_id: str = "",
    detail: dict | None = None,
) -> SecurityEvent:
    """Append one event to the security record and write it to the security log.

    ``request`` (or the one being served) supplies the actor, client address and path
    where they are not given. ``detail`` must hold no personal data.
    """
    request = request if request is not None else current_request()
    if request is not None:
        user = getattr(request, "user", None)
        if actor is None and user is not None and user.is_authenticated:
            actor = user
        address = address or client_address(request)
    if actor is not None and not username:
        username = actor.get_username()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    event = SecurityEvent.objects.create(
        kind=kind,
        actor=actor,
        username=username[:150],
        address=address[:45],
        object_type=object_type[:100],
        object_id=str(object_id)[:64],
        path=(request.path[:300] if request is not None else ""),
        detail=detail or {},
    )
    logger.info(
        "security event %s",
        kind,
        extra={
            "security": {
                "id": event.pk,
                "kind": kind,
                "actor_id": event.actor_id,
                "username": event.username,
                "address": event.address,
                "object": f"{event.object_type}:{event.object_id}" if event.object_type else "",
                "path": event.path,
                "detail": event.detail,
            }
        },
    )
    return event


class SecurityContextMiddleware:
    """Makes the request known to ``record`` calls from signal handlers, and records a
    signed-in user's refused access to an object: a 404 from a view that loads one (the
    scoped loaders answer 404 outside the user's reach) or any 403.

    Only resolved URLs count (a 404 on a path that names no view is not a refusal), only
    signed-in users (anonymous visitors are sent to the login page anyway), and the same
    user and path are recorded once per ``SECURITY_DENIED_DEDUP_SECONDS``, so a reloading
    browser or a script does not flood the record.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
            if response.status_code in (403, 404):
                _record_refusal(request, response.status_code)
            return response
        finally:
            _current_request.reset(token)


def _record_refusal(request, status: int) -> None:
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    if user is None or not user.is_authenticated or match is None:
        return
    if status == 404 and not match.kwargs:
        return
    window = settings.LINLI["SECURITY_DENIED_DEDUP_SECONDS"]
    key = f"linli:denied:{user.pk}:{status}:{hashlib.sha256(request.path.encode()).hexdigest()}"
    if not cache.add(key, 1, timeout=window):
        return
    kwargs = {k: str(v)[:64] for k, v in match.kwargs.items()}
    record(
        SecurityEventKind.ACCESS_DENIED,
        request=request,
        object_type=match.view_name or "",
        object_id=",".join(f"{k}={v}" for k, v in sorted(kwargs.items())),
        detail={"status": status, "method": request.method, "view": match.view_name},
    )


def _admin_change_message_fields(message: str) -> list[str]:
    """Field names from the admin's JSON change message (never the values)."""
    try:
        parts = json.loads(message or "[]")
    except ValueError:
        return []
    names: list[str] = []
    for part in parts if isinstance(parts, list) else []:
        for body in part.values() if isinstance(part, dict) else []:
            if isinstance(body, dict):
                names.extend(str(f) for f in body.get("fields", []))
    return names


def _record_admin_entry(entry) -> None:
    action = {1: "added", 2: "changed", 3: "deleted"}.get(entry.action_flag, "other")
    content_type = entry.content_type
    record(
        SecurityEventKind.ADMIN_CHANGE,
        actor=entry.user,
        object_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        object_id=entry.object_id or "",
        detail={"action": action, "fields": _admin_change_message_fields(entry.change_message)},
    )


def connect_signals() -> None:
    """Every change made through the admin becomes a security event.

    The admin writes a LogEntry for each addition, change and deletion through
    ``LogEntry.objects.log_actions``; several deletions at once are one ``bulk_create``,
    which sends no ``post_save``. So the manager's method is wrapped (once, at start-up)
    instead of listening to a signal that would miss bulk deletions.
    """
    # The admin's models load with the app registry: this runs from CoreConfig.ready.
    from django.contrib.admin.models import LogEntryManager

    if getattr(LogEntryManager.log_actions, "_linli_audited", False):
        return
    original = LogEntryManager.log_actions

    def log_actions(self, *args, **kwargs):
        entries = original(self, *args, **kwargs)
        for entry in entries if isinstance(entries, list) else [entries]:
            _record_admin_entry(entry)
        return entries

    log_actions._linli_audited = True
    LogEntryManager.log_actions = log_actions


def safe_detail(**values) -> dict:
    """A detail dict with the values as plain JSON types (for the record and the log)."""
    return json.loads(json.dumps(values, default=str))
