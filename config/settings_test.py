"""Settings for pytest: the normal settings with the ``test`` profile."""

import os

os.environ.setdefault("LINLI_ENV", "test")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# The tests' own development PKI (made once, on first use, by core.signing).
LINLI_SIGNING = {**LINLI_SIGNING, "DEV_PKI": str(BASE_DIR / "var" / "pki-test")}  # noqa: F405
LINLI["SMS_BACKEND"] = "core.sms.MemoryBackend"  # noqa: F405
