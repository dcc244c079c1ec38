"""Linli settings. Everything a deployment changes comes from the environment.

LINLI_ENV selects the profile: ``production`` (the default: safe, strict), ``dev``
(``make run``) or ``test`` (pytest). See ``.env.example`` for every variable.
"""

import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from core.rates import parse_rate

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A deployment keeps its settings in one environment file outside the checkout
# (/etc/linli/linli.env: bin/linli points LINLI_ENV_FILE at it, so the web server, the
# scheduled jobs and an operator's one-off commands all read the same file; the process's
# own environment wins over it).
ENV_FILE = os.environ.get("LINLI_ENV_FILE", "")
if ENV_FILE:
    if not (Path(ENV_FILE).is_file() and os.access(ENV_FILE, os.R_OK)):
        raise ImproperlyConfigured(
            f"LINLI_ENV_FILE={ENV_FILE} is not a file this user ({os.getuid()}) can read."
        )
    environ.Env.read_env(ENV_FILE, overwrite=False)
# A developer's own .env (optional; make never writes one) is read only outside
# production: a stray .env in a deployment's checkout must not change what production runs.
if os.environ.get("LINLI_ENV") != "production":
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def env_rate(name: str, default: str) -> str:
    """A rate such as ``5/15m`` from the environment, refused at start-up if malformed."""
    value = env.str(name, default=default)
    try:
        parse_rate(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from None
    return value


LINLI_ENV = env.str("LINLI_ENV", default="production")
if LINLI_ENV not in {"production", "dev", "test"}:
    raise ImproperlyConfigured(f"LINLI_ENV must be production, dev or test, not {LINLI_ENV!r}")
IS_PRODUCTION = LINLI_ENV == "production"


def _required_in_production(what: str) -> ImproperlyConfigured:
    """The refusal when production lacks a setting, saying how each kind of checkout sets it."""
    how = (
        "LINLI_ENV is not set, so this is the production profile. In a developer checkout "
        "use `make run` / `make test`, or `export LINLI_ENV=dev DEBUG=true` before "
        "manage.py (or put those two lines in a .env). "
        if "LINLI_ENV" not in os.environ
        else ""
    )
    return ImproperlyConfigured(
        f"{what} {how}A deployment keeps its settings in /etc/linli/linli.env and runs "
        "every command through bin/linli, which reads that file (docs/deploy.md)."
    )


DEBUG = env.bool("DEBUG", default=False)
if IS_PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise _required_in_production(
            "SECRET_KEY (50+ random characters) is required in production: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    # Without it a production process would quietly use an empty SQLite file under var/
    # (a scheduled job would "succeed" and chase nothing): name the database explicitly.
    if "DATABASE_URL" not in env:
        raise _required_in_production(
            "DATABASE_URL (postgres://user:password@host:5432/linli) is required in production."
        )
else:
    SECRET_KEY = env.str("SECRET_KEY", default=f"insecure-{LINLI_ENV}-key-never-use-in-production")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
# DEBUG pages show settings and data: never with a real host name, never in production.
LOCAL_HOSTS = {"127.0.0.1", "localhost", "testserver", "[::1]", "::1"}
if DEBUG and (IS_PRODUCTION or not set(ALLOWED_HOSTS) <= LOCAL_HOSTS):
    raise ImproperlyConfigured(
        "DEBUG cannot be on in production or with ALLOWED_HOSTS beyond this machine."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "core.staticfiles.StaticFilesConfig",  # django.contrib.staticfiles, without ReDoc
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_prometheus",
    "core",
    "casework",
    "consultation",
]

MIDDLEWARE = [
    # Request counts and latencies for /metrics (django-prometheus): first and last.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # First, so that they see every response (core/middleware.py).
    "core.middleware.RequestContextMiddleware",
    "core.middleware.PrivacyHeadersMiddleware",
    "core.security.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who is acting, for the configuration history (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After the password, the code: see core.otp (LINLI_TWO_FACTOR_REQUIRED).
    "core.otp.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.audit.SecurityContextMiddleware",
    "core.throttle.ThrottledMiddleware",
    "core.security.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# The admin lives at a configurable path so it is not where scanners look first.
ADMIN_URL = env.str("ADMIN_URL", default="admin/")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# Django's form templates with the project's overrides first (core.form_renderer): an
# empty choice reads "Please choose" (请选择), not a row of dashes.
FORM_RENDERER = "core.form_renderer.FormRenderer"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "casework.context_processors.workspace",
                "casework.senior_mode.context",  # 长辈模式 on resident pages (#22)
                "core.otp.context",
            ],
        },
    },
]

(BASE_DIR / "var").mkdir(exist_ok=True)  # the dev SQLite file, media, mail
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'linli.sqlite3'}")
}
# Reuse database connections across requests (a new PostgreSQL connection per request
# costs several ms); health checks drop connections the server has closed.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A street office's single machine: WAL lets readers work while one writer commits,
    # and IMMEDIATE transactions take the write lock up front so two transitions on one
    # case queue instead of failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "casework:home"
LOGOUT_REDIRECT_URL = "login"

# A browser that states no language gets Chinese: residents and staff work in Chinese.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded evidence, archived PDFs and export files: local files by default; on several
# machines an S3-compatible object store (MinIO, Aliyun OSS, Tencent COS) through
# django-storages, set by LINLI_S3_BUCKET and its companions. Files are never public:
# no public ACL, and they are streamed to users only by the permission-checked views.
S3_BUCKET = env.str("LINLI_S3_BUCKET", default="")
if S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("LINLI_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("LINLI_S3_REGION", default="") or None,
            "access_key": env.str("LINLI_S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("LINLI_S3_SECRET_KEY", default="") or None,
            "location": env.str("LINLI_S3_PREFIX", default=""),
            # Aliyun OSS and Tencent COS want virtual-hosted addressing; MinIO path style.
            "addressing_style": env.str("LINLI_S3_ADDRESSING_STYLE", default="") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
# collectstatic compresses every file (gzip and Brotli): only the hashed names, which are
# the ones pages link, and not the API docs' multi-megabyte source maps, which only a
# developer's browser tools fetch. Without this a release spends ~45 s compressing.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
# Uploaded evidence lives here and is never served by URL: only through a view that checks
# the case is visible to the user (there is deliberately no MEDIA_URL route).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Whole request bodies: the largest file plus form fields.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

if "EMAIL_URL" in env or IS_PRODUCTION:
    vars().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))
else:
    # Development: each mail is written to a file under var/mail/ to read at leisure.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="linli@localhost")

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Redis that does not answer within a second is an outage to report (/readyz), not a
# request that hangs for the kernel's TCP timeout.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 1, "socket_timeout": 2}
    )
    # Django's backend, reusing its client objects (core.cache: a new one per operation
    # cost ~0.15 ms each).
    CACHES["default"]["BACKEND"] = "core.cache.RedisCache"

# The job queue (core.jobs, config/celery.py). Without a broker the jobs run in the
# process that asked for them, right after the commit (make run, tests, one machine).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request hands a job over in well under a second or not at all (the relay re-sends it).
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "max_retries": 1}
CELERY_TIMEZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
# The worker logs through LOGGING below (JSON lines with tracebacks), not Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# What celery beat runs, as management commands: name -> crontab (minute hour day month
# weekday, in TIME_ZONE). Each run is a job (core.jobs), retried and visible like any
# other. To schedule a new command, add a line here (and say why). These replace the
# systemd timers of a single machine (docs/deploy.md: run beat, or the timers, not both).
LINLI_SCHEDULE = {
    "sla_sweep": "*/5 * * * *",
    "verify_archive": "30 2 * * *",
    "prune_security_events": "45 2 * * *",
    "prune_submission_keys": "15 3 * * *",
    # 12345 orders: sign-for, reply, return and extension messages, retried with backoff.
    "hotline_send": "*/2 * * * *",
    # The opt-in morning e-mail of what waits for each user (需要我处理).
    "send_waiting_digest": "0 8 * * *",
    # Archives whose signing failed (key or TSA unreachable) are signed again.
    "sign_archives": "*/15 * * * *",
    # The daily anchor: the register's and the case logs' latest hashes, signed (#24).
    "anchor_archive": "50 23 * * *",
    # Personal data of cases past retention de-identified (PIPL Art. 19, 47; #27).
    "deidentify_cases": "20 3 * * *",
}
# Archive signing (#24, docs/archives.md): every archived PDF is signed (PAdES) by the
# office's key and timestamped (RFC 3161). Production names its PKCS#12 file, passphrase,
# timestamp authority and trust roots here; the key never lives in the database or the
# repository. Without them a production start warns (core.checks) and archives wait
# unsigned (visibly) until the key is configured; development and tests use the local PKI
# that `manage.py make_dev_pki` makes under var/pki/ and an in-process timestamp authority.
LINLI_SIGNING = {
    "P12": env.str("LINLI_SIGNING_P12", default=""),
    "PASSPHRASE": env.str("LINLI_SIGNING_PASSPHRASE", default=""),
    # An RFC 3161 URL; empty in development: the local PKI's TSA answers in-process.
    "TSA_URL": env.str("LINLI_TSA_URL", default=""),
    # PEM files of the roots a signature must chain to (the office CA's, the TSA's).
    "TRUST_ROOTS": env.list("LINLI_TRUST_ROOTS", default=[]),
    # Fetch CRL/OCSP when signing to embed validation data (B-LT); off: B-T.
    "FETCH_REVOCATION": env.bool("LINLI_SIGNING_FETCH_REVOCATION", default=IS_PRODUCTION),
    "DEV_PKI": "" if IS_PRODUCTION else str(BASE_DIR / "var" / "pki"),
}
# django-ratelimit (core.throttle) counts in the default cache and refuses when the cache
# does not answer: a limiter that fails open is no limiter.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = False

# Sessions are written to the database and read through the cache (a DB read saved per
# request; correct across processes when CACHE_URL points at a shared cache).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): our own scripts and styles only, no inline script,
# nothing framed, forms post only here. Attachments add "sandbox" on their own responses.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Sessions: rotated at login (Django), ended after SESSION_IDLE_SECONDS without a request
# and after SESSION_COOKIE_AGE in any case.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=10 * 60 * 60)
SESSION_COOKIE_SAMESITE = "Lax"
LOGIN_URL_PATH = "/accounts/login/"
if IS_PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The load balancer's health check may speak plain HTTP to the app server; /healthz
    # holds nothing. Which proxies' X-Forwarded-Proto counts is gunicorn's decision
    # (FORWARDED_ALLOW_IPS, config/gunicorn.conf.py): it checks the proxy's address, which
    # Django's SECURE_PROXY_SSL_HEADER cannot.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading commits the whole domain (often a government parent domain) to HTTPS in
    # browsers for good: the street's IT decides that, so it is opt-in and its deploy
    # warning (security.W021) is silenced. See docs/security.md.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Every logger writes through core/logging.py's formatters, which escape what they write:
# JSON lines in production, one escaped line per record for humans (LOG_FORMAT=text).
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if IS_PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logging.JsonFormatter"},
        "text": {"()": "core.logging.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own loggers propagate to the root (its default handlers, which write
        # unescaped text to stderr, are replaced here).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # WeasyPrint narrates every layout step at INFO; keep its warnings only.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Two-factor sign-in (django-otp, TOTP). The issuer names the entry in the phone's app; the
# admin never shows anyone's secret or recovery codes.
OTP_TOTP_ISSUER = env.str("LINLI_OTP_ISSUER", default="Linli 邻里")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Configuration history (django-simple-history): a record, never an editing path — reverting
# from the history page would bypass the admin's own guards (a rule set in use is frozen).
SIMPLE_HISTORY_REVERT_DISABLED = True

# The REST API: token per organisation, the same filters and services as the pages, and
# rate limits per token and per address by the same limiter as the public pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["casework.api_auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The one limiter (core.throttle): per token, or per address without one.
    "DEFAULT_THROTTLE_CLASSES": ["core.throttle.ApiThrottle"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Linli API",
    "DESCRIPTION": "Referrals for organisations; cases and public timelines for the street.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our static files: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "casework.api.document_errors",
        "casework.api.require_non_blank",
    ],
}

# Keys for personal data at rest (see LINLI["PII"] below): required in production.
PII_SETTINGS = {
    "KEYS": env.str("LINLI_PII_KEYS", default=""),
    "KEY_ID": env.str("LINLI_PII_KEY_ID", default=""),
    "HASH_KEY": env.str("LINLI_PII_HASH_KEY", default=""),
    "CIPHER": env.str("LINLI_PII_CIPHER", default="sm4-gcm"),
}
if IS_PRODUCTION and not (PII_SETTINGS["KEYS"] and PII_SETTINGS["HASH_KEY"]):
    raise _required_in_production(
        "LINLI_PII_KEYS and LINLI_PII_HASH_KEY (the keys sealing personal data) are "
        "required in production: `python3 -c 'import base64,os; "
        'print("k1:"+base64.b64encode(os.urandom(16)).decode())\'` for the first, '
        "`python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())'` "
        "for the second. Keep both outside the database and its backups."
    )
if not IS_PRODUCTION:
    # The public development keys (core/crypto.py): dev and test processes agree on them.
    PII_SETTINGS["KEYS"] = PII_SETTINGS["KEYS"] or "dev:bGlubGktZGV2LW9ubHkhIQ=="
    PII_SETTINGS["HASH_KEY"] = (
        PII_SETTINGS["HASH_KEY"] or "bGlubGktZGV2LW9ubHktbG9va3VwLWtleS0zMmJ5dGU="
    )

# --- Linli's own settings: defaults from DOMAIN.md that a street office may change ---
LINLI = {
    # Where links in e-mails point (no trailing slash).
    "SITE_URL": env.str("SITE_URL", default="http://127.0.0.1:8000"),
    # Open311: the jurisdiction_id this endpoint serves (clients may send it; any other
    # value is refused), and how far from a known estate or building a lat/long may be.
    "OPEN311_JURISDICTION_ID": env.str("LINLI_OPEN311_JURISDICTION_ID", default="linli"),
    "NEAREST_PLACE_MAX_M": env.int("LINLI_NEAREST_PLACE_MAX_M", default=1000),
    # 12345 messages out (casework/hotline/outbound.py): "file" drops JSON files into
    # HOTLINE_DROP_DIR for the street's hotline link; "http" is not built yet.
    "HOTLINE_TRANSPORT": env.str("LINLI_HOTLINE_TRANSPORT", default="file"),
    "HOTLINE_DROP_DIR": env.str(
        "LINLI_HOTLINE_DROP_DIR", default=str(BASE_DIR / "var" / "hotline-outbox")
    ),
    # Text messages (core/sms.py): the backend class; "core.sms.FileBackend" writes them
    # to SMS_FILE_DIR (development, the demo), "core.sms.HttpBackend" posts them to the
    # provider at LINLI_SMS_HTTP_URL with LINLI_SMS_HTTP_KEY, signed LINLI_SMS_SIGNATURE.
    "SMS_BACKEND": env.str(
        "LINLI_SMS_BACKEND",
        default="core.sms.HttpBackend" if IS_PRODUCTION else "core.sms.FileBackend",
    ),
    "SMS_FILE_DIR": env.str("LINLI_SMS_FILE_DIR", default=str(BASE_DIR / "var" / "sms")),
    "SMS_HTTP_URL": env.str("LINLI_SMS_HTTP_URL", default=""),
    "SMS_HTTP_KEY": env.str("LINLI_SMS_HTTP_KEY", default=""),
    "SMS_SIGNATURE": env.str("LINLI_SMS_SIGNATURE", default="【邻里】"),
    # The resident's one-time SMS code for 我的诉求: valid this many seconds, this many tries.
    "SMS_CODE_SECONDS": env.int("LINLI_SMS_CODE_SECONDS", default=300),
    "SMS_CODE_ATTEMPTS": env.int("LINLI_SMS_CODE_ATTEMPTS", default=5),
    # Photos a resident may attach when sending a grievance.
    "PORTAL_MAX_PHOTOS": env.int("LINLI_PORTAL_MAX_PHOTOS", default=3),
    # The resident's receipt stays readable in the same browser session this long.
    "RECEIPT_KEEP_SECONDS": env.int("LINLI_RECEIPT_KEEP_SECONDS", default=24 * 3600),
    # The resident home page: the committee's hotline, hours and address (the street's
    # own when empty: the place tree's top organisation has no such fields yet).
    "PORTAL_HOTLINE": env.str("LINLI_PORTAL_HOTLINE", default=""),
    "PORTAL_HOURS": env.str("LINLI_PORTAL_HOURS", default=""),
    "PORTAL_ADDRESS": env.str("LINLI_PORTAL_ADDRESS", default=""),
    # Case reference numbers: YYYY-NNNNNN, sequence per year.
    "REFERENCE_DIGITS": env.int("LINLI_REFERENCE_DIGITS", default=6),
    # Working days allowed for the case officer's first contact after acceptance.
    "FIRST_CONTACT_WORKING_DAYS": env.int("LINLI_FIRST_CONTACT_WORKING_DAYS", default=1),
    # Return visit due the next working day after resolution.
    "RETURN_VISIT_WORKING_DAYS": env.int("LINLI_RETURN_VISIT_WORKING_DAYS", default=1),
    # Evidence uploads: per-file limit in bytes (photos and scanned documents), and the
    # whole request (the file plus the form's fields); larger requests get a 413.
    "MAX_UPLOAD_BYTES": env.int("LINLI_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024),
    "MAX_REQUEST_BYTES": env.int("LINLI_MAX_REQUEST_BYTES", default=11 * 1024 * 1024),
    # Photos are decoded to strip their metadata: refuse more pixels than a 50-megapixel
    # phone camera takes (decoding costs ~3 bytes a pixel of memory).
    "MAX_IMAGE_PIXELS": env.int("LINLI_MAX_IMAGE_PIXELS", default=60_000_000),
    # How long a verified resident may stay on their status page without re-entering the code.
    "PORTAL_SESSION_SECONDS": env.int("LINLI_PORTAL_SESSION_SECONDS", default=30 * 60),
    # Reverse proxies whose X-Forwarded-For we believe (none by default: REMOTE_ADDR is used).
    "TRUSTED_PROXIES": env.list("LINLI_TRUSTED_PROXIES", default=[]),
    # Double submits: a form's one-time token or an API Idempotency-Key is remembered this
    # many hours (a second send within them lands on the first result). A second send of a
    # form within RECEIPT_REPLAY_MINUTES shows the status code again (same browser page);
    # later it shows the reference only.
    "IDEMPOTENCY_HOURS": env.int("LINLI_IDEMPOTENCY_HOURS", default=24),
    "RECEIPT_REPLAY_MINUTES": env.int("LINLI_RECEIPT_REPLAY_MINUTES", default=10),
    # Personal data retention stated in the notice residents accept.
    "RETENTION_YEARS": env.int("LINLI_RETENTION_YEARS", default=3),
    # Whom residents ask about their personal information (PIPL Art. 17(1)(4), the
    # notice at collection, casework.privacy): a name and a phone number, e.g.
    # "新华路街道办事处 021-62345678". Empty: "the residents' committee handling your case".
    "PRIVACY_CONTACT": env.str("LINLI_PRIVACY_CONTACT", default=""),
    # A resident's request to see, copy, correct or delete their data is answered within
    # this many working days (casework.rights.answer_due; PIPL Art. 50 "promptly",
    # GB/T 35273-2020 §8.7: at most 30 days).
    "RIGHTS_REQUEST_WORKING_DAYS": env.int("LINLI_RIGHTS_REQUEST_WORKING_DAYS", default=15),
    # "Due soon" on the dashboard: within this many working days.
    "DUE_SOON_WORKING_DAYS": env.int("LINLI_DUE_SOON_WORKING_DAYS", default=3),
    # The one limiter (core.throttle): every door's rate as N/period (s, m, h, d, with an
    # optional multiplier: 5/15m), from LINLI_THROTTLE_<DOOR>. See docs/security.md.
    "THROTTLES": {
        # Staff sign-in, failures only: one account from one address is locked after 5;
        # one address after 20 on any accounts. The account as a whole is slowed, not
        # locked: past 50 failures from everywhere in an hour it accepts attempts only
        # from addresses where it signed in within LOGIN_KNOWN_ADDRESS_DAYS.
        "login_pair": env_rate("LINLI_THROTTLE_LOGIN_PAIR", "5/15m"),
        "login_address": env_rate("LINLI_THROTTLE_LOGIN_ADDRESS", "20/15m"),
        "login_account": env_rate("LINLI_THROTTLE_LOGIN_ACCOUNT", "50/h"),
        # Password reset, every request: mails per e-mail address, requests per address.
        "password_reset_email": env_rate("LINLI_THROTTLE_PASSWORD_RESET_EMAIL", "3/h"),
        "password_reset_address": env_rate("LINLI_THROTTLE_PASSWORD_RESET_ADDRESS", "10/h"),
        # Resident status look-up, failures only: per reference and per client address
        # (then even the right code is refused until the window ends).
        "lookup_reference": env_rate("LINLI_THROTTLE_LOOKUP_REFERENCE", "5/15m"),
        "lookup_address": env_rate("LINLI_THROTTLE_LOOKUP_ADDRESS", "20/15m"),
        # Public archive verification (#24), every request per client address: each
        # answer validates a signature (CPU) and says whether an archival number exists.
        "archive_verify": env_rate("LINLI_THROTTLE_ARCHIVE_VERIFY", "20/h"),
        # Grievances registered online (portal and Open311 POST) per client address.
        "submission_address": env_rate("LINLI_THROTTLE_SUBMISSION_ADDRESS", "5/h"),
        # The resident's one-time SMS code (我的诉求): codes sent per number and per
        # address; failed code entries per number and per address.
        "sms_code_phone": env_rate("LINLI_THROTTLE_SMS_CODE_PHONE", "3/15m"),
        "sms_code_address": env_rate("LINLI_THROTTLE_SMS_CODE_ADDRESS", "10/h"),
        "sms_verify_phone": env_rate("LINLI_THROTTLE_SMS_VERIFY_PHONE", "5/15m"),
        "sms_verify_address": env_rate("LINLI_THROTTLE_SMS_VERIFY_ADDRESS", "20/15m"),
        # Open311 reads per client address.
        "open311_read_address": env_rate("LINLI_THROTTLE_OPEN311_READ_ADDRESS", "120/m"),
        # REST API: requests per token; requests without a token per address; failed
        # token authentications per address (then even a good token is refused there).
        "api_token": env_rate("LINLI_THROTTLE_API_TOKEN", "600/m"),
        "api_anonymous": env_rate("LINLI_THROTTLE_API_ANONYMOUS", "30/m"),
        "api_auth_failure": env_rate("LINLI_THROTTLE_API_AUTH_FAILURE", "10/15m"),
    },
    # Addresses where an account signed in successfully stay "known" this long (they
    # are exempt from the account-wide slow-down, never from the pair's lock).
    "LOGIN_KNOWN_ADDRESS_DAYS": env.int("LINLI_LOGIN_KNOWN_ADDRESS_DAYS", default=30),
    # The security record (core.models.SecurityEvent): kept this many days, then pruned by
    # `manage.py prune_security_events` (at least 184: 网络安全法 Art. 21, six months).
    "SECURITY_RETENTION_DAYS": env.int("LINLI_SECURITY_RETENTION_DAYS", default=365),
    # Personal data at rest (core.crypto, #27; DOMAIN.md §9, 密评 GB/T 39786): phone and
    # ID numbers and detailed addresses are sealed with SM4-GCM ("aes-gcm" where a
    # deployment must). LINLI_PII_KEYS is "<id>:<base64 16-byte key>,…" — every key any
    # stored value still uses; LINLI_PII_KEY_ID the one new values are sealed with (then
    # `manage.py rotate_pii_key` re-seals the rest). LINLI_PII_HASH_KEY (base64, 32 random
    # bytes) keys the HMAC-SM3 look-up hash of phone numbers: changing it needs
    # `rotate_pii_key --rehash`. Production refuses to start without them; dev and test
    # use public keys (core.crypto.INSECURE_DEV_KEYS), which a system check refuses there.
    "PII": PII_SETTINGS,
    # How long a case's personal data is kept after the case ends (PIPL Art. 19, 47;
    # core.retention.personal_data_cutoff), per kind: "contact" — the parties' phone
    # numbers, addresses and e-mail; "identity" — their names and the names and numbers
    # in the case's free text. Then `manage.py deidentify_cases` (scheduled nightly)
    # clears them; the case, its statistics and its archived records stay.
    "PII_RETENTION_DAYS": {
        # By default the years the notice has always stated (LINLI_RETENTION_YEARS).
        "contact": env.int(
            "LINLI_PII_RETENTION_CONTACT_DAYS",
            default=365 * env.int("LINLI_RETENTION_YEARS", default=3),
        ),
        "identity": env.int("LINLI_PII_RETENTION_IDENTITY_DAYS", default=5 * 365),
    },
    # A user's refused access to one path is recorded once per this many seconds.
    "SECURITY_DENIED_DEDUP_SECONDS": env.int("LINLI_SECURITY_DENIED_DEDUP_SECONDS", default=600),
    # Two-factor sign-in: supervisors, superusers and staff (the admin) reach no staff page
    # until they have set up an authenticator app and given its code. On in production and
    # tests; off for `make run`'s demo (a notice says so on every page).
    "TWO_FACTOR_REQUIRED": env.bool("LINLI_TWO_FACTOR_REQUIRED", default=LINLI_ENV != "dev"),
    # Referrals (DOMAIN.md §3, Shanghai's 1/5/15 scheme): sign for within 1 working day;
    # reply by type; one extension per referral, asked before the reply deadline and
    # approved by a supervisor, reaching at most 15 working days counted from receipt.
    "REFERRAL_SIGN_FOR_WORKING_DAYS": env.int("LINLI_REFERRAL_SIGN_FOR_WORKING_DAYS", default=1),
    "REFERRAL_REPLY_WORKING_DAYS": {
        "enquiry": env.int("LINLI_REFERRAL_ENQUIRY_WORKING_DAYS", default=1),
        "complaint": env.int("LINLI_REFERRAL_COMPLAINT_WORKING_DAYS", default=5),
        "help_request": env.int("LINLI_REFERRAL_HELP_WORKING_DAYS", default=5),
    },
    "REFERRAL_EXTENSION_MAX_WORKING_DAYS": env.int("LINLI_REFERRAL_EXTENSION_MAX_DAYS", default=15),
    # The three meetings (DOMAIN.md §5): calendar days of notice before the meeting (a
    # shorter notice is allowed but warned about; a hearing's is about 10 days), the share
    # of invitees who must attend (an exact fraction), and how long the archived minutes
    # are kept: a number of years or "permanent" (DOMAIN.md §8).
    "MEETING_RULES": {
        "hearing": {
            "notice_lead_days": env.int("LINLI_HEARING_NOTICE_DAYS", default=10),
            "quorum": "2/3",
            "retention_years": 30,
        },
        "coordination": {"notice_lead_days": 3, "quorum": "1/2", "retention_years": 10},
        "evaluation": {"notice_lead_days": 5, "quorum": "2/3", "retention_years": 10},
    },
    # Publicity (公示, DOMAIN.md §5–6): a meeting's or ballot's result is posted ~7 days with
    # objections received meanwhile; after an elevator agreement the plan is posted ~10 days,
    # then 7 days for comments — two steps, each must end before the plan takes effect.
    # Days are "calendar" (a last day on a rest day moves to the next working day) or
    # "working" (Chinese working days).
    "PUBLICITY": {
        "DAY_BASIS": env.str("LINLI_PUBLICITY_DAY_BASIS", default="calendar"),
        "RESULT_DAYS": env.int("LINLI_PUBLICITY_RESULT_DAYS", default=7),
        "PLANNING_DAYS": env.int("LINLI_PUBLICITY_PLANNING_DAYS", default=10),
        "COMMENT_DAYS": env.int("LINLI_PUBLICITY_COMMENT_DAYS", default=7),
    },
    # Background jobs (core.jobs): the first retry waits this many seconds, each next one
    # four times longer, at most an hour.
    "JOB_BACKOFF_SECONDS": env.int("LINLI_JOB_BACKOFF_SECONDS", default=30),
    # The issuing organisation printed on papers whose place names none (the monthly
    # report of a user covering several streets, say): the letterhead falls back to it.
    "ISSUER_NAME": env.str("LINLI_ISSUER_NAME", default=""),
    # Archival PDFs tagged for screen readers (PDF/A-3a: structure tree, reading order)
    # instead of PDF/A-3b. Off by default: tagging costs ~5 % (one page) to ~18 % (ten
    # pages of tables) more CPU per render, beyond #23's 10 % budget (core.pdf).
    "PDF_TAGGED": env.bool("LINLI_PDF_TAGGED", default=False),
    # The fonds number (全宗号) the district archive gave the street's records, printed on
    # archival covers; empty until the archive assigns one (the cover leaves room to write).
    "ARCHIVE_FONDS": env.str("LINLI_ARCHIVE_FONDS", default=""),
    # Prefix of archival numbers: LL-2026-0001.
    "ARCHIVE_PREFIX": env.str("LINLI_ARCHIVE_PREFIX", default="LL"),
    # People's mediation (DOMAIN.md §4). Numbers read "(2026) 新华路人调字第12号": the
    # committee's prefix, then a serial per year. The time limit is one month, extendable
    # with both sides' consent; the return visit is due some days after the agreement's
    # performance deadline; parties may ask a court to confirm the agreement within 30 days.
    "MEDIATION": {
        # Empty: the committee's short name (新华路街道人民调解委员会 → 新华路).
        "NUMBER_PREFIX": env.str("LINLI_MEDIATION_NUMBER_PREFIX", default=""),
        # Empty: the mediation committee covering the case's place in the organisation
        # register, else "<street>人民调解委员会" from the place tree (never a product name).
        "COMMITTEE_NAME": env.str("LINLI_MEDIATION_COMMITTEE_NAME", default=""),
        # One calendar month (《人民调解工作若干规定》Art. 37; ended as 民法典 Art. 202 ends it).
        "TIME_LIMIT_MONTHS": env.int("LINLI_MEDIATION_TIME_LIMIT_MONTHS", default=1),
        "RETURN_VISIT_DAYS": env.int("LINLI_MEDIATION_RETURN_VISIT_DAYS", default=15),
        # 人民调解法 Art. 33, counted as 民事诉讼法 Art. 85 counts (casework.calendar).
        "JUDICIAL_CONFIRMATION_DAYS": env.int("LINLI_JUDICIAL_CONFIRMATION_DAYS", default=30),
        "RETENTION_YEARS": env.int("LINLI_MEDIATION_RETENTION_YEARS", default=10),
    },
}
if LINLI["PUBLICITY"]["DAY_BASIS"] not in ("calendar", "working"):
    raise ImproperlyConfigured(
        "LINLI_PUBLICITY_DAY_BASIS must be calendar or working, "
        f"not {LINLI['PUBLICITY']['DAY_BASIS']!r}"
    )

# --- Observability (docs/deploy.md) ---
# Prometheus metrics at /metrics: requests (always), and with LINLI_METRICS=true also
# database queries and cache hits through django-prometheus's wrappers. Never public: a
# scraper sends "Authorization: Bearer <LINLI_METRICS_TOKEN>" or comes from an address in
# LINLI_METRICS_ALLOWED_IPS; anyone else gets 404. With several gunicorn workers set
# PROMETHEUS_MULTIPROC_DIR to an empty directory so their counters are summed.
METRICS_TOKEN = env.str("LINLI_METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("LINLI_METRICS_ALLOWED_IPS", default=[])
if env.bool("LINLI_METRICS", default=False):
    _engine = DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    if _engine in {"postgresql", "sqlite3"}:
        DATABASES["default"]["ENGINE"] = f"django_prometheus.db.backends.{_engine}"
    CACHES["default"]["BACKEND"] = {
        "core.cache.RedisCache": "core.cache.MetricsRedisCache",
        "django.core.cache.backends.locmem.LocMemCache": (
            "django_prometheus.cache.backends.locmem.LocMemCache"
        ),
    }.get(CACHES["default"]["BACKEND"], CACHES["default"]["BACKEND"])

# Error reporting to Sentry or a self-hosted GlitchTip (same protocol), only when
# SENTRY_DSN is set. No personal data leaves: no user, address, cookies or request
# bodies (send_default_pii=False, and core.sentry.scrub_event removes what is left).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    from core.sentry import scrub_event

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=LINLI_ENV),
        release=env.str("SENTRY_RELEASE", default="") or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        before_send=scrub_event,
    )
