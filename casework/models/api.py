"""API tokens: one per client system of an organisation, stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from casework.models.organisations import Organisation

KEY_PREFIX = "ll"


def hash_key(key: str) -> str:
    """SHA-256 of the whole key: keys are 256-bit random, so a slow hash adds nothing."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer key for one organisation's system (an agency's case system, the 12345
    platform's connector). The key is shown once at creation; only its hash is kept. The
    token acts as a technical user who is a member of the organisation, so the API passes
    through exactly the permissions and services the pages use."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("Which system uses it."))
    prefix = models.CharField(_("key prefix"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.PROTECT,
        related_name="api_tokens",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    # Created, renamed, revoked: by whom and when. Neither the key's hash nor its use.
    history = HistoricalRecords(excluded_fields=["key_hash", "last_used_at"])

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["organisation", "name"]

    def __str__(self):
        return f"{self.organisation} · {self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> tuple[str, str]:
        """(prefix, full key), e.g. ``ll_Ab3dE5fG_<43 random characters>``."""
        alphabet = string.ascii_letters + string.digits  # no "_": it separates the parts
        prefix = "".join(secrets.choice(alphabet) for _ in range(8))
        return prefix, f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"

    def matches(self, key: str) -> bool:
        return hmac.compare_digest(self.key_hash, hash_key(key))

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def new_open311_token() -> str:
    """A GeoReport ``token``: a random handle, unrelated to the resident's status code."""
    return secrets.token_urlsafe(16)


class Open311Request(models.Model):
    """What an Open311 client sent with a service request beyond the case itself: which
    key filed it, the ``token`` handle it was given (``GET tokens/{token}``), the photo
    link (``media_url``, stored as a link, never fetched) and the service attributes."""

    case = models.OneToOneField(
        "casework.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="open311",
    )
    token = models.CharField(
        _("Open311 token"), max_length=40, unique=True, default=new_open311_token, editable=False
    )
    api_token = models.ForeignKey(
        ApiToken,
        verbose_name=_("filed with API token"),
        on_delete=models.PROTECT,
        related_name="open311_requests",
    )
    media_url = models.URLField(_("photo link"), max_length=1000, blank=True)
    attributes = models.JSONField(_("service attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")

    def __str__(self):
        return self.token
