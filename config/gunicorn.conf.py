"""gunicorn for production (`bin/linli serve`: `make serve`, the container, systemd): sync
workers; every line on stdout is JSON written by core/logging.py's formatter — gunicorn's
own messages, its access records (method, path without query string, status, bytes, ms,
request id: no client address) and Django's logs alike."""

import multiprocessing
import os

import environ

# The deployment's environment file (bin/linli sets LINLI_ENV_FILE): read here as well as
# in the settings, because the settings below are gunicorn's own; the workers inherit it.
if os.environ.get("LINLI_ENV_FILE"):
    environ.Env.read_env(os.environ["LINLI_ENV_FILE"], overwrite=False)

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # PDF approval renders in-request
max_requests = 2000  # recycle workers now and then (WeasyPrint keeps font caches)
max_requests_jitter = 200
# Whose X-Forwarded-Proto / X-Forwarded-For gunicorn believes: the TLS-terminating proxy's
# address(es), comma-separated. From anyone else those headers are ignored, so a request
# that did not come through the proxy cannot claim to be HTTPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's runtime control socket (gunicornc) is not used: none is created, so two
# instances on one host cannot collide on its default path in the user's home.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
logger_class = "core.gunicorn_logging.GunicornLogger"
# Replaces gunicorn's whole logging configuration (its defaults name a "console" handler
# that this one does not define, so the root logger is configured here too).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
    "handlers": {
        "json": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"handlers": ["json"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["json"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["json"], "level": "INFO", "propagate": False},
    },
}
