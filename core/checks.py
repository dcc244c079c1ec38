"""System checks for the kernel: its settings, and what the PDF pipeline needs."""

from django.conf import settings
from django.core import checks

from core import pdf
from core.rates import parse_rate
from core.retention import LEGAL_MINIMUM_DAYS

# Caches that cannot count for several workers (django-ratelimit's own list).
_NOT_SHARED = {
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.filebased.FileBasedCache",
    "django.core.cache.backends.db.DatabaseCache",
}


@checks.register(checks.Tags.security)
def check_throttles(app_configs, **kwargs):
    errors = []
    for door, rate in settings.LINLI["THROTTLES"].items():
        try:
            parse_rate(rate)
        except ValueError as exc:
            errors.append(checks.Error(f"LINLI THROTTLES[{door!r}]: {exc}", id="linli.E101"))
    if settings.LINLI["SECURITY_RETENTION_DAYS"] < LEGAL_MINIMUM_DAYS:
        errors.append(
            checks.Error(
                f"LINLI_SECURITY_RETENTION_DAYS must be at least {LEGAL_MINIMUM_DAYS} "
                "(网络安全法 Art. 21: network logs kept no less than six months).",
                id="linli.E102",
            )
        )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_shared_cache(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in _NOT_SHARED:
        return [
            checks.Warning(
                f"The cache ({backend}) is not shared by the workers: every worker counts "
                "its own throttles, so the limits multiply by the number of workers.",
                hint="Set CACHE_URL to Redis (redis://host:6379/1).",
                id="linli.W101",
            )
        ]
    return []


@checks.register()
def pdf_fonts_check(app_configs, **kwargs):
    """Archival PDFs need the Noto CJK font, and HarfBuzz's subsetter to be fast."""
    problems = []
    if not pdf.cjk_font_available():
        problems.append(
            checks.Warning(
                "The Noto CJK font is not installed: minutes cannot be exported as PDF "
                "(Chinese text would have no glyphs).",
                hint="Install the Debian package fonts-noto-cjk (`make install` does).",
                id="linli.W010",
            )
        )
    if not pdf.harfbuzz_subset_available():
        problems.append(
            checks.Warning(
                "libharfbuzz-subset is missing: WeasyPrint falls back to fontTools and a "
                "one-page Chinese PDF takes ~22 s instead of ~0.5 s.",
                hint="Install the Debian package libharfbuzz-subset0 (`make install` does).",
                id="linli.W011",
            )
        )
    return problems
