"""Django's Redis cache backend, reusing its Redis client objects (issue #21).

``django.core.cache.backends.redis.RedisCacheClient.get_client`` builds a new
``redis.Redis`` on every cache operation (on the shared connection pool); building one
copies redis-py's table of ~170 response callbacks. The resident status page makes five
or six cache operations, and profiled on PostgreSQL with Redis that was ~0.15 ms each —
a tenth of the page's time. A ``redis.Redis`` is safe to share between threads (each
command takes a connection from the pool), so one per pool is kept and reused.

``CACHE_URL=redis://…`` selects :class:`RedisCache` (config/settings.py); with
``LINLI_METRICS``, :class:`MetricsRedisCache` counts gets, hits and misses as
django-prometheus's ``NativeRedisCache`` does — whose module cannot be imported here: it
imports ``django_redis``, a package Linli does not use.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """``RedisCacheClient`` with one ``redis.Redis`` per connection pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient


class MetricsRedisCache(RedisCache):
    """:class:`RedisCache` counting gets, hits and misses in django-prometheus's metrics
    (the same labels as its ``NativeRedisCache``)."""

    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend="native_redis").inc()
        try:
            result = super().get(key, default=None, version=version)
        except Exception:
            django_cache_get_fail_total.labels(backend="native_redis").inc()
            raise
        if result is not None:
            django_cache_hits_total.labels(backend="native_redis").inc()
            return result
        django_cache_misses_total.labels(backend="native_redis").inc()
        return default
