"""Minutes of a meeting (draft → circulated → approved → archived), with a signature or a
recorded refusal from every attendee. Approved minutes never change: a correction is a new
version (DOMAIN.md §5, §8).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition

from consultation import permissions
from consultation.models.meetings import Invitee, Meeting
from consultation.models.signatures import SignatureBase, signed_or_refused
from core.exceptions import ImmutableRecord
from core.fields import StateField
from core.transitions import required


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CIRCULATED = "circulated", _("Circulated for review")
    APPROVED = "approved", _("Approved")
    ARCHIVED = "archived", _("Archived")


FROZEN_MINUTES = frozenset({MinutesStatus.APPROVED, MinutesStatus.ARCHIVED})


# The only columns that may still change on approved minutes, each by its own path (and
# the snapshot, written once by ``services.minutes.minutes_approve``).
FROZEN_WRITABLE = frozenset({"status", "archived_at", "superseded_by", "version"})


def _every_attendee_answered(minutes: Minutes) -> bool:
    attendees = set(minutes.meeting.invitees.filter(attended=True).values_list("pk", flat=True))
    answered = set(minutes.signatures.values_list("invitee_id", flat=True))
    return attendees <= answered


_every_attendee_answered.message = _(
    "Every attendee must sign the minutes or have their refusal recorded before approval."
)


class Minutes(ConcurrentTransitionMixin, models.Model):
    """The record of a meeting. Approved minutes never change: a correction is a new
    version with a reason, and the old one stays readable, marked superseded."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="minutes"
    )
    number = models.PositiveSmallIntegerField(_("version"), default=1)
    summary = models.TextField(_("summary"), max_length=20000, blank=True)
    # DOMAIN.md §5: the minutes also record the points of disagreement (分歧意见) and the
    # procedural incidents (程序性事项: a walk-out, an objection to the procedure, a break).
    disagreements = models.TextField(_("points of disagreement"), max_length=20000, blank=True)
    procedural_incidents = models.TextField(_("procedural incidents"), max_length=20000, blank=True)
    status = StateField(_("status"), choices=MinutesStatus.choices, default=MinutesStatus.DRAFT)
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("superseded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What the PDF shows, frozen at approval: later edits to the meeting change nothing here.
    snapshot = models.JSONField(_("content at approval"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("revision"), default=1, editable=False)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="minutes_number_once"),
        ]

    def __str__(self):
        return f"{self.meeting.reference} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = Minutes.objects.filter(pk=self.pk).values("status", "snapshot").first()
            if stored and stored["status"] in FROZEN_MINUTES:
                writable = FROZEN_WRITABLE
                if stored["snapshot"] is None:
                    writable = writable | {"snapshot"}  # written once, at approval
                fields = kwargs.get("update_fields")
                if fields is None or not set(fields) <= writable:
                    raise ImmutableRecord(_("Approved minutes cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_frozen:
            raise ImmutableRecord(_("Approved minutes cannot be deleted."))
        return super().delete(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN_MINUTES

    @transition(
        field=status,
        source=MinutesStatus.DRAFT,
        target=MinutesStatus.CIRCULATED,
        permission=permissions.can_write_minutes,
        custom={"label": _("Circulate for review")},
    )
    def circulate(self, **_params):
        pass

    @transition(
        field=status,
        source=MinutesStatus.CIRCULATED,
        target=MinutesStatus.DRAFT,
        permission=permissions.can_write_minutes,
        custom={"label": _("Back to draft"), "needs": ["reason"]},
    )
    def revise(self, *, reason: str = "", **_params):
        required(reason, _("Say what must be revised."))

    @transition(
        field=status,
        source=MinutesStatus.CIRCULATED,
        target=MinutesStatus.APPROVED,
        conditions=[_every_attendee_answered],
        permission=permissions.can_approve_minutes,
        custom={"label": _("Approve")},
    )
    def approve(self, *, actor=None, **_params):
        self.approved_by = actor
        self.approved_at = timezone.now()

    @transition(
        field=status,
        source=MinutesStatus.APPROVED,
        target=MinutesStatus.ARCHIVED,
        permission=permissions.can_archive_minutes,
        custom={"label": _("Mark as filed in the archive")},
    )
    def archive(self, **_params):
        self.archived_at = timezone.now()


class MinutesSignerRole(models.TextChoices):
    """In what capacity someone signs the minutes (DOMAIN.md §5: signer, role, time)."""

    CHAIR = "chair", _("Chair (主持人)")
    RECORDER = "recorder", _("Recorder (记录员)")
    ATTENDEE = "attendee", _("Attendee (参会人员)")


class Signature(SignatureBase):
    """An attendee's signature on the minutes, or their refusal recorded."""

    minutes = models.ForeignKey(
        Minutes, verbose_name=_("minutes"), on_delete=models.PROTECT, related_name="signatures"
    )
    invitee = models.ForeignKey(
        Invitee, verbose_name=_("attendee"), on_delete=models.PROTECT, related_name="signatures"
    )

    role = models.CharField(
        _("signs as"),
        max_length=12,
        choices=MinutesSignerRole.choices,
        default=MinutesSignerRole.ATTENDEE,
    )

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["minutes", "invitee"], name="signature_once"),
            signed_or_refused("signature_signed_xor_refused"),
        ]

    def __str__(self):
        return f"{self.invitee}: {self.state}"
