"""System checks for the kernel: its settings, and what the PDF pipeline needs."""

from importlib import import_module

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from core import crypto, pdf
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


@checks.register(deploy=True)
def check_sms_provider(app_configs, **kwargs):
    """The HTTP SMS backend without a provider URL fails every text (receipts, codes):
    retried, listed as failed, but never delivered — say so at release."""
    linli = settings.LINLI
    if linli.get("SMS_BACKEND", "").endswith("HttpBackend") and not linli.get("SMS_HTTP_URL"):
        return [
            checks.Warning(
                "Text messages go to the HTTP provider, but LINLI_SMS_HTTP_URL is not set: "
                "every receipt and 我的诉求 code will fail (and be listed as failed).",
                hint="Set LINLI_SMS_HTTP_URL and LINLI_SMS_HTTP_KEY (see .env.example).",
                id="linli.W102",
            )
        ]
    return []


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


# What each configured backend needs importable beyond its own class (Django's RedisCache
# imports ``redis`` only on first use: in a request, as a 500).
_BACKEND_NEEDS = {
    "django.core.cache.backends.redis.RedisCache": ["redis"],
    "core.cache.RedisCache": ["redis"],
    "core.cache.MetricsRedisCache": ["redis"],
    "storages.backends.s3.S3Storage": ["boto3"],
    "storages.backends.s3boto3.S3Boto3Storage": ["boto3"],
}
_BROKER_NEEDS = {"redis": ["redis"], "rediss": ["redis"], "amqp": ["amqp"]}


def _importable(dotted: str, is_class: bool) -> str | None:
    try:
        (import_string if is_class else import_module)(dotted)
    except ImportError as exc:
        return str(exc)
    return None


@checks.register()
def check_backends_importable(app_configs, **kwargs):
    """Every configured cache, storage and broker can be imported: a documented
    ``CACHE_URL=redis://…`` must fail here, at start and at release, not in a login."""
    wanted = []
    for alias, cache in settings.CACHES.items():
        wanted.append((f"CACHES[{alias!r}]", cache["BACKEND"], True))
        wanted += [
            (f"CACHES[{alias!r}]", m, False) for m in _BACKEND_NEEDS.get(cache["BACKEND"], [])
        ]
    for alias, storage in settings.STORAGES.items():
        wanted.append((f"STORAGES[{alias!r}]", storage["BACKEND"], True))
        wanted += [
            (f"STORAGES[{alias!r}]", m, False) for m in _BACKEND_NEEDS.get(storage["BACKEND"], [])
        ]
    wanted.append(("LINLI['SMS_BACKEND']", settings.LINLI["SMS_BACKEND"], True))
    broker = getattr(settings, "CELERY_BROKER_URL", "")
    if broker:
        scheme = broker.split(":", 1)[0]
        wanted += [("CELERY_BROKER_URL", m, False) for m in _BROKER_NEEDS.get(scheme, [])]
    errors = []
    for setting, dotted, is_class in wanted:
        problem = _importable(dotted, is_class)
        if problem:
            errors.append(
                checks.Error(
                    f"{setting} needs {dotted}, which cannot be imported: {problem}",
                    hint="Install the project with `make install` (pyproject.toml pins every "
                    "backend the documentation names).",
                    id="linli.E103",
                )
            )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_archive_signing(app_configs, **kwargs):
    """#24: production signs archives with a key from the environment. Missing, it warns
    rather than refuses to start: the office's casework must not stop while a certificate
    is being procured, and nothing is lost — every archived file is kept with its checksum
    and chained in the register, listed as "not signed yet", and ``sign_archives`` signs
    it once the key is there. A key that is named but cannot be read is an error: every
    signature would fail."""
    from core import signing

    conf = settings.LINLI_SIGNING
    if not settings.IS_PRODUCTION:
        return []
    if not conf["P12"]:
        return [
            checks.Warning(
                "Archived PDFs are not being signed: LINLI_SIGNING_P12 and "
                "LINLI_SIGNING_PASSPHRASE are not set (they wait, unsigned, until they are).",
                hint="docs/archives.md: the office's certificate, LINLI_TSA_URL and "
                "LINLI_TRUST_ROOTS.",
                id="linli.W240",
            )
        ]
    problems = []
    try:
        signing.credentials()
    except signing.SigningUnavailable as exc:
        problems.append(checks.Error(str(exc), id="linli.E241"))
    if not conf["TSA_URL"]:
        problems.append(
            checks.Warning(
                "LINLI_TSA_URL is not set: archives are signed without a trusted timestamp "
                "(PAdES B-B), so their signatures stop validating when the certificate expires.",
                id="linli.W242",
            )
        )
    if not conf["TRUST_ROOTS"]:
        problems.append(
            checks.Warning(
                "LINLI_TRUST_ROOTS is not set: verify_archive cannot decide whether a "
                "signature is the office's.",
                id="linli.W243",
            )
        )
    return problems


@checks.register(checks.Tags.security)
def check_pii_keys(app_configs, **kwargs):
    """The keys sealing personal data (core.crypto) parse, name their current key, and —
    in production — are not the public development keys."""
    try:
        crypto.keyring_from_settings()
    except ValueError as exc:
        return [checks.Error(f"Personal-data keys: {exc}", id="linli.E110")]
    if settings.IS_PRODUCTION and crypto.is_insecure_dev_configuration():
        return [
            checks.Error(
                "Personal-data keys are the public development keys (core/crypto.py).",
                hint="Set LINLI_PII_KEYS and LINLI_PII_HASH_KEY to keys of your own.",
                id="linli.E111",
            )
        ]
    return []
