"""Through a real redis-server (tests.servers): the shared cache that several app servers
use for sessions, throttles and cached pages — the set-up that answered 500 in issue #21."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.cache import cache, caches
from django.urls import reverse

from core import throttle
from tests.casework.test_portal import _lookup, _receipt, _submit_data
from tests.servers import redis_url

pytestmark = pytest.mark.servers

PASSWORD = "correct horse battery staple"


@pytest.fixture
def redis_cache(settings):
    url = redis_url()
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",  # what CACHE_URL=redis://… selects
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    cache.clear()  # this test database of redis only (LINLI_TEST_REDIS_URL names it)
    yield url
    cache.clear()


def test_the_cache_is_redis_and_answers(redis_cache, client, db):
    cache.set("linli:probe", "值", 30)
    assert cache.get("linli:probe") == "值"
    # core.cache: one redis client per pool, not a new one per operation.
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)
    assert type(caches["default"]).__name__ == "RedisCache"
    assert client.get(reverse("readyz")).json()["checks"]["cache"] == "ok"


def test_staff_sign_in_and_their_session_live_in_redis(redis_cache, client, mediator):
    response = client.post(reverse("login"), {"username": "mediator", "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get(reverse("casework:case_list")).status_code == 200
    key = client.session.session_key
    assert cache.get(f"django.contrib.sessions.cached_db{key}") is not None


def test_the_resident_look_up_works_and_its_failures_count_in_redis(redis_cache, client, world):
    reference, code, _ = _receipt(
        client, client.post(reverse("portal:submit"), _submit_data(world))
    )
    client.session.flush()
    assert _lookup(client, reference, "WRONGWRONG22").status_code == 200
    assert throttle.usage("lookup_reference", reference).count == 1
    response = _lookup(client, reference, code)
    assert response.status_code == 302 and response["Location"] == reverse("portal:status")
    page = client.get(reverse("portal:status"))
    assert page.status_code == 200 and reference in page.content.decode()


def test_throttle_counters_are_shared_between_processes(redis_cache, settings):
    """Two app servers count one limit: three failures in another process and two here
    reach the limit of five; the sixth is refused here."""
    limit, _ = throttle.rate_of("lookup_reference")
    assert limit == 5
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup()\n"
            "from core import throttle\n"
            "for _ in range(3): throttle.consume('lookup_reference', '2026-000777')\n"
            "print(throttle.usage('lookup_reference', '2026-000777').count)",
        ],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "CACHE_URL": redis_cache,
            "LINLI_THROTTLE_LOOKUP_REFERENCE": settings.LINLI["THROTTLES"]["lookup_reference"],
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert other.stdout.strip() == "3"
    throttle.consume("lookup_reference", "2026-000777")
    throttle.consume("lookup_reference", "2026-000777")
    with pytest.raises(throttle.Throttled):
        throttle.consume("lookup_reference", "2026-000777")


def test_the_metrics_variant_counts_hits_and_misses(settings, db):
    """LINLI_METRICS with a Redis cache: core.cache.MetricsRedisCache works through a real
    redis-server and counts what /metrics shows (django-prometheus's own variant needs a
    package Linli does not install)."""
    from django_prometheus.cache.metrics import django_cache_hits_total, django_cache_misses_total

    settings.CACHES = {
        "default": {"BACKEND": "core.cache.MetricsRedisCache", "LOCATION": redis_url()}
    }
    hits = django_cache_hits_total.labels(backend="native_redis")
    misses = django_cache_misses_total.labels(backend="native_redis")
    before = (hits._value.get(), misses._value.get())
    cache.set("linli:metrics-probe", 1, 30)
    assert cache.get("linli:metrics-probe") == 1
    assert cache.get("linli:metrics-absent") is None
    assert (hits._value.get(), misses._value.get()) == (before[0] + 1, before[1] + 1)
    cache.delete("linli:metrics-probe")
