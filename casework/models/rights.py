"""A resident's request about their own personal information (PIPL Art. 44–47): to see
it, have a copy, correct it or delete it — received by a committee's staff after checking
the requester's identity, answered by a deadline with the answer's legal basis."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models.organisations import Organisation
from casework.phones import phone_key
from casework.privacy import PURPOSE_RIGHTS, SEEN_BY_HANDLERS
from core.fields import EncryptedCharField


class RightsKind(models.TextChoices):
    ACCESS = "access", _("See my information")  # PIPL Art. 45
    COPY = "copy", _("A copy of my information")  # Art. 45 para. 1, 3
    CORRECT = "correct", _("Correct my information")  # Art. 46
    DELETE = "delete", _("Delete my information")  # Art. 47


class RightsStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Answered")
    REFUSED = "refused", _("Refused")


class RightsRequest(models.Model):
    """One request, its identity check, deadline and recorded answer. The requester's
    cases are those with a party of the same phone number (casework.phones), within the
    receiving organisation's area."""

    # The personal data this model holds, for the processing register (casework.privacy,
    # PIPL Art. 55 个人信息处理活动记录): field -> (purpose, who sees it, retention kind).
    PERSONAL_DATA = {
        "name": (PURPOSE_RIGHTS, SEEN_BY_HANDLERS, "record"),
        "phone": (PURPOSE_RIGHTS, SEEN_BY_HANDLERS, "record"),
    }

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("request"), max_length=16, choices=RightsKind.choices)
    name = models.CharField(_("requester's name"), max_length=200)
    phone = EncryptedCharField(_("requester's phone"), max_length=30)
    phone_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    identity_checked = models.CharField(
        _("identity checked against"),
        max_length=200,
        help_text=_("The document seen, e.g. the resident identity card, original."),
    )
    details = models.TextField(_("what is asked"), max_length=5000, blank=True)
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    due_date = models.DateField(_("answer due"))
    status = models.CharField(
        _("status"), max_length=16, choices=RightsStatus.choices, default=RightsStatus.OPEN
    )
    answer = models.TextField(_("answer"), max_length=5000, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal information request")
        verbose_name_plural = _("personal information requests")
        ordering = ["status", "due_date", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.name}"

    def save(self, *args, **kwargs):
        self.phone_key = phone_key(self.phone)
        super().save(*args, **kwargs)
