"""Readiness (/readyz), the backend import check, /metrics behind its token, and error
reports without personal data — the operator's failure from issue #21: a documented
CACHE_URL=redis://… answered 500 on login while /healthz stayed green."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from core import checks as core_checks
from core.logging import JsonFormatter
from core.models import Job, JobStatus
from core.sentry import scrub_event


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_redis(settings):
    # Django's own test signal drops the cache connections when CACHES changes.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://:hunter2@127.0.0.1:{_closed_port()}/1",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_readyz_is_ready_when_every_part_answers(client, db):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"},
    }
    assert response["Cache-Control"] == "no-store"


def test_readyz_names_the_cache_that_does_not_answer_and_no_secret(client, db, unreachable_redis):
    # /healthz stays green (the process answers); /readyz takes the server out of rotation.
    assert client.get(reverse("healthz")).status_code == 200
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("failed: ")
    assert "hunter2" not in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()


def test_readyz_names_an_unreachable_broker(client, db, settings):
    settings.CELERY_BROKER_URL = f"redis://:hunter2@127.0.0.1:{_closed_port()}/0"
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("failed: ")
    assert "hunter2" not in response.content.decode()


def test_readyz_names_storage_it_cannot_write(client, db, settings, tmp_path):
    if os.getuid() == 0:
        pytest.skip("root may write anywhere: the permission cannot fail here")
    locked = tmp_path / "media"
    locked.mkdir(mode=0o500)
    settings.MEDIA_ROOT = str(locked)  # Django's test signal resets the default storage
    try:
        response = client.get(reverse("readyz"))
        assert response.status_code == 503
        assert response.json()["checks"]["storage"] == "failed: PermissionError"
    finally:
        locked.chmod(0o700)


def test_a_cache_backend_that_cannot_be_imported_fails_the_system_check(settings, monkeypatch):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/1",
        }
    }
    monkeypatch.setitem(sys.modules, "redis", None)  # as if the package were not installed
    errors = core_checks.check_backends_importable(None)
    assert [e.id for e in errors] == ["linli.E103"]
    assert "CACHES['default'] needs redis" in errors[0].msg


def test_every_documented_backend_is_installed(settings):
    """pyproject.toml carries what docs/deploy.md names: Redis cache and broker, S3."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/1",
        }
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage"},
    }
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    assert core_checks.check_backends_importable(None) == []


def test_a_missing_backend_in_a_request_logs_its_traceback(db, unreachable_redis, monkeypatch):
    """The JSON log line of a 500 holds the traceback, not only the exception's name."""
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.delitem(sys.modules, "django.core.cache.backends.redis", raising=False)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("django.request").addHandler(handler)
    try:
        client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
        response = client.post(reverse("login"), {"username": "x", "password": "y"})
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert response.status_code == 500
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["exception"] in {"ModuleNotFoundError", "ImportError"}
    assert line["traceback"].startswith("Traceback (most recent call last):")
    assert "redis" in line["traceback"]


# ------------------------------------------------------------------ /metrics


def test_metrics_are_not_public(client, db, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get(reverse("metrics")).status_code == 404
    wrong = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 404


def test_metrics_with_the_token_show_requests_and_the_outbox(client, db, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    Job.objects.create(kind="core.mail", status=JobStatus.FAILED)
    Job.objects.create(kind="core.mail", status=JobStatus.PENDING)
    Job.objects.create(kind="core.mail", status=JobStatus.PENDING)
    client.get(reverse("healthz"))
    response = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'linli_jobs{state="pending"} 2.0' in text
    assert 'linli_jobs{state="failed"} 1.0' in text
    assert "django_http_requests_total_by_method_total" in text


def test_metrics_from_an_allowed_address(client, db, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.9"]
    assert client.get(reverse("metrics"), REMOTE_ADDR="10.0.0.9").status_code == 200
    assert client.get(reverse("metrics"), REMOTE_ADDR="10.0.0.8").status_code == 404


# ------------------------------------------------------------------ error reports


def test_error_reports_carry_no_personal_data():
    event = {
        "request": {
            "url": "https://linli.example/r/status/",
            "query_string": "reference=2026-000123&code=K7Q2",
            "cookies": {"sessionid": "abc"},
            "data": {"phone": "13800138000"},
            "headers": {
                "Cookie": "sessionid=abc",
                "X-Forwarded-For": "203.0.113.9",
                "User-Agent": "Mozilla",
            },
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "user": {"id": 7, "ip_address": "203.0.113.9"},
        "server_name": "app-3",
        "exception": {"values": [{"type": "ValueError"}]},
    }
    scrubbed = json.dumps(scrub_event(event))
    for secret in ("K7Q2", "abc", "13800138000", "203.0.113.9", "app-3"):
        assert secret not in scrubbed
    assert "ValueError" in scrubbed and "Mozilla" in scrubbed


def test_sentry_is_initialised_without_personal_data_when_a_dsn_is_set(tmp_path):
    code = (
        "import django, sentry_sdk; django.setup(); c = sentry_sdk.get_client();"
        "print(c.is_active(), c.options['send_default_pii'], c.options['before_send'].__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "SENTRY_DSN": "https://public@glitchtip.example/1",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.split() == ["True", "False", "scrub_event"]
