"""The kernel's tables."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# ------------------------------------------------------------ one-time submissions


class SubmissionKey(models.Model):
    """One submission — a form's one-time token or an API ``Idempotency-Key`` — and what it
    made. The row is inserted in the same transaction as the thing it makes, under a
    unique constraint, so the same submission arriving twice at once makes one thing: the
    second insert waits for the first transaction and then finds this row
    (``core.idempotency``)."""

    scope = models.CharField(_("scope"), max_length=64)
    # The key itself is never stored: a form token is a secret of the page that holds it.
    key_hash = models.CharField(_("key hash"), max_length=64)
    fingerprint = models.CharField(_("content fingerprint"), max_length=64)
    result = models.JSONField(_("result"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("submission key")
        verbose_name_plural = _("submission keys")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key_hash"], name="core_submission_key_unique"
            ),
        ]

    def __str__(self):
        return f"{self.scope} {self.key_hash[:12]}"
