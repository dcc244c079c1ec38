"""12345 hotline work orders received, and the messages we send back (docs/12345.md)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models.organisations import Category
from casework.privacy import PURPOSE_HOTLINE, SEEN_BY_CASE_STAFF


class HotlineCategoryMap(models.Model):
    """Which of our categories a hotline category (诉求类别, as the order names it) is."""

    hotline_category = models.CharField(_("hotline category"), max_length=100, unique=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("hotline category mapping")
        verbose_name_plural = _("hotline category mappings")
        ordering = ["hotline_category"]

    def __str__(self):
        return f"{self.hotline_category} → {self.category}"


class HotlineStatus(models.TextChoices):
    RECEIVED = "received", _("Received, not signed for")
    SIGNED_FOR = "signed_for", _("Signed for")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", _("Closed by the hotline")


class HotlineOrder(models.Model):
    """A 12345 work order (工单) as the hotline sent it, beside the case it became: its
    number, the caller as the hotline masks them, its own sign-for and reply deadlines
    (the hotline's clock, not ours) and where the exchange stands."""

    # The personal data this model holds, for the processing register (casework.privacy,
    # PIPL Art. 55 个人信息处理活动记录): field -> (purpose, who sees it, retention kind).
    PERSONAL_DATA = {
        "caller": (PURPOSE_HOTLINE, SEEN_BY_CASE_STAFF, "identity"),
        "caller_phone": (PURPOSE_HOTLINE, SEEN_BY_CASE_STAFF, "identity"),
    }

    case = models.OneToOneField(
        "casework.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="hotline"
    )
    order_number = models.CharField(_("work-order number"), max_length=64, unique=True)
    hotline_category = models.CharField(_("hotline category"), max_length=100)
    caller = models.CharField(_("caller (masked)"), max_length=100, blank=True)
    caller_phone = models.CharField(_("caller's phone (masked)"), max_length=30, blank=True)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    sign_for_due = models.DateTimeField(_("sign for by (hotline)"))
    reply_due = models.DateTimeField(_("reply by (hotline)"))
    status = models.CharField(
        _("hotline status"),
        max_length=24,
        choices=HotlineStatus.choices,
        default=HotlineStatus.RECEIVED,
    )
    raw = models.JSONField(_("order as received"), default=dict)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("12345 work order")
        verbose_name_plural = _("12345 work orders")
        ordering = ["-received_at"]

    def __str__(self):
        return self.order_number


class OutboxKind(models.TextChoices):
    SIGN_FOR = "sign_for", _("Sign for")
    REPLY = "reply", _("Reply")
    RETURN = "return", _("Return with reason")
    EXTENSION = "extension", _("Extension request")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Gave up after retries")


class HotlineOutbox(models.Model):
    """One message to the hotline, kept until the transport has taken it: how often it
    was tried, the last error and when it is tried next (backoff). Specific to the
    hotline; a generic outbox (#21a) may absorb it later."""

    order = models.ForeignKey(
        HotlineOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="outbox"
    )
    kind = models.CharField(_("message"), max_length=16, choices=OutboxKind.choices)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hotline outbox message")
        verbose_name_plural = _("hotline outbox messages")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="hotline_outbox_due_idx"),
        ]

    def __str__(self):
        return f"{self.order} · {self.get_kind_display()}"
