"""Text messages to residents: each message recorded with its delivery, the one-time
codes that open 我的诉求, and a resident's wish to be told of new stages by SMS."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models.cases import Case
from casework.privacy import PURPOSE_SMS, SEEN_SMS
from core.fields import EncryptedCharField


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class SmsPurpose(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    CODE = "code", _("One-time code")
    STAGE = "stage", _("New stage")


class SmsMessage(models.Model):
    """One text message: to whom, what, and how its delivery went (never dropped: a
    failure stays here and in the failed jobs until staff retry it). The number and the
    text are sealed at rest (core.fields, #27): a queued receipt holds the status code."""

    # For the processing register (casework.privacy, PIPL Art. 55); cleared with the
    # case's contact details at de-identification (casework.deidentify).
    PERSONAL_DATA = {
        "to": (PURPOSE_SMS, SEEN_SMS, "contact"),
        "body": (PURPOSE_SMS, SEEN_SMS, "contact"),
    }

    to = EncryptedCharField(_("to"), max_length=30)
    # The number as every phone look-up sees it (casework.phones.phone_key).
    to_key = models.CharField(_("phone look-up key"), max_length=64, blank=True, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=16, choices=SmsPurpose.choices)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="sms_messages",
        null=True,
        blank=True,
    )
    # A message holding a secret (a status code, a one-time code) has its text replaced
    # by a placeholder once it is sent.
    body = EncryptedCharField(_("text"), max_length=1000)
    private = models.BooleanField(_("holds a secret"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    provider_id = models.CharField(_("provider's message id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="casework_sms_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"


class PhoneCode(models.Model):
    """A one-time code sent by SMS to open 我的诉求: only its hash is kept; it is valid
    for ``SMS_CODE_SECONDS``, for ``SMS_CODE_ATTEMPTS`` tries, and once."""

    phone_key = models.CharField(_("phone look-up key"), max_length=64, db_index=True)
    code_hash = models.CharField(_("code hash"), max_length=128)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M}"


class StageAlert(models.Model):
    """A resident asked to be told by SMS when their case reaches a new public stage."""

    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="stage_alert"
    )
    PERSONAL_DATA = {"phone": (PURPOSE_SMS, SEEN_SMS, "contact")}

    phone = EncryptedCharField(_("phone"), max_length=30)
    phone_key = models.CharField(_("phone look-up key"), max_length=64, blank=True)
    # The public stage last told (casework.portal.public_stage), so one stage texts once.
    last_stage = models.CharField(_("last stage told"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("stage alert")
        verbose_name_plural = _("stage alerts")

    def __str__(self) -> str:
        return str(self.case_id)
