"""Readiness (/readyz): can this app server do its work — database, cache, job broker,
file storage? Liveness (/healthz) only says the process answers; a load balancer takes a
server out of rotation on readiness, and an operator sees which part failed.

Each probe answers in about a second at most and reports only the kind of failure (the
exception's class), never an address, a password or a bucket name.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    cache = caches["default"]
    token = secrets.token_hex(8)
    cache.set("linli:readyz", token, 10)
    if cache.get("linli:readyz") != token:
        raise RuntimeError("cache did not keep a value")


def _broker() -> None:
    if not settings.CELERY_BROKER_URL:
        return  # jobs run in-process: nothing to reach
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=1) as conn:
        conn.ensure_connection(max_retries=1, timeout=1)


def _storage() -> None:
    if isinstance(default_storage, FileSystemStorage):
        location = default_storage.location
        os.makedirs(location, exist_ok=True)  # as the first upload would
        if not os.access(location, os.W_OK):
            raise PermissionError("storage directory not writable")
        return
    default_storage.exists("readyz-probe")  # one HEAD request to the bucket


PROBES: dict[str, Callable[[], None]] = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
    "storage": _storage,
}


def check() -> dict[str, str]:
    """Each part's state: ``ok``, or ``failed: <ExceptionClass>``."""
    results = {}
    for name, probe in PROBES.items():
        try:
            probe()
        except Exception as exc:
            results[name] = f"failed: {type(exc).__name__}"
        else:
            results[name] = "ok"
    return results
