"""The real servers some tests need — redis-server, an S3 API (moto), a Celery worker —
found through the environment that .ci/run sets (LINLI_TEST_REDIS_URL, LINLI_TEST_S3_URL).

Locally, a missing server skips those tests with the reason; in CI
(LINLI_REQUIRE_SERVERS=1) a missing server fails them, so they cannot silently stop
running.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

REQUIRED = os.environ.get("LINLI_REQUIRE_SERVERS") == "1"


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False


def server_url(variable: str, what: str) -> str:
    """The URL in ``variable`` if its server answers; else skip (or fail in CI)."""
    url = os.environ.get(variable, "")
    if url and _reachable(url):
        return url
    reason = (
        f"{what} is not running ({variable}={url or 'unset'}); .ci/run starts one"
        if url
        else f"{what}: set {variable} (.ci/run starts one and sets it)"
    )
    if REQUIRED:
        pytest.fail(f"LINLI_REQUIRE_SERVERS=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def redis_url() -> str:
    return server_url("LINLI_TEST_REDIS_URL", "redis-server")


def s3_url() -> str:
    return server_url("LINLI_TEST_S3_URL", "the S3 API server (moto_server)")
