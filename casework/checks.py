from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def shared_cache_check(app_configs, **kwargs):
    """Resident look-up limits and cached sessions need one cache for all processes."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        return [
            Warning(
                "The cache is local to each process, so the resident look-up limits apply "
                "per worker rather than per site.",
                hint="Set CACHE_URL to a shared cache (redis:// or memcached://).",
                id="linli.W001",
            )
        ]
    return []
