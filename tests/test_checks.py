"""Linli's own system checks."""


def test_deploy_checks_warn_about_a_per_process_cache(settings):
    from casework.checks import shared_cache_check

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [w.id for w in shared_cache_check(None)] == ["linli.W001"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379",
        }
    }
    assert shared_cache_check(None) == []


def test_a_redis_cache_url_selects_the_reused_client_backend(monkeypatch):
    """CACHE_URL=redis://… gives core.cache.RedisCache (Django's backend, one client per
    pool), and LINLI_METRICS its counting variant."""
    import importlib

    import config.settings as project_settings

    monkeypatch.setenv("CACHE_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("LINLI_METRICS", "false")
    try:
        assert importlib.reload(project_settings).CACHES["default"]["BACKEND"] == (
            "core.cache.RedisCache"
        )
        monkeypatch.setenv("LINLI_METRICS", "true")
        assert importlib.reload(project_settings).CACHES["default"]["BACKEND"] == (
            "core.cache.MetricsRedisCache"
        )
    finally:
        monkeypatch.undo()
        importlib.reload(project_settings)
