"""Publicity (公示) of a meeting's or a ballot's result and of an elevator plan, with the
objections received while it is posted (DOMAIN.md §5–6)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PublicityKind(models.TextChoices):
    MEETING_RESULT = "meeting_result", _("Meeting result")
    BALLOT_RESULT = "ballot_result", _("Ballot result")
    PLANNING = "planning", _("Elevator plan publicity")
    COMMENTS = "comments", _("Elevator plan comment period")


class DayBasis(models.TextChoices):
    # A context: "calendar days" is also the admin's name for the calendar's special days.
    WORKING = "working", pgettext_lazy("publicity window", "working days")
    CALENDAR = "calendar", pgettext_lazy("publicity window", "calendar days")


class Publicity(models.Model):
    """One posting: what is posted, from which day to which day (computed from the settings
    at the time and kept), and the code of its public page."""

    kind = models.CharField(_("kind"), max_length=16, choices=PublicityKind.choices)
    meeting = models.ForeignKey(
        "consultation.Meeting",
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="publicities",
    )
    campaign = models.ForeignKey(
        "consultation.BallotCampaign",
        verbose_name=_("ballot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="publicities",
    )
    summary = models.TextField(_("text of the notice"), max_length=4000)
    starts_on = models.DateField(_("posted from"))
    ends_on = models.DateField(_("posted until"))
    days = models.PositiveSmallIntegerField(_("days"))
    day_basis = models.CharField(_("counted in"), max_length=10, choices=DayBasis.choices)
    code = models.UUIDField(_("public code"), default=uuid.uuid4, unique=True, editable=False)
    # 公示〔2026〕3号 (core.documents): drawn when the notice is posted, so every print of
    # the paper carries the same number.
    document_number = models.CharField(
        _("document number"), max_length=40, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("publicity")
        verbose_name_plural = _("publicity")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(meeting__isnull=True) & Q(campaign__isnull=False))
                | (Q(meeting__isnull=False) & Q(campaign__isnull=True)),
                name="publicity_of_one_record",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="publicity_dates_ordered"
            ),
            models.UniqueConstraint(
                fields=["campaign", "kind"],
                condition=Q(campaign__isnull=False),
                name="publicity_once_per_ballot_kind",
            ),
            models.UniqueConstraint(
                fields=["meeting", "kind"],
                condition=Q(meeting__isnull=False),
                name="publicity_once_per_meeting_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.starts_on}–{self.ends_on}"

    @property
    def case(self):
        return self.campaign.case if self.campaign_id else self.meeting.cases.first()

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.starts_on <= today <= self.ends_on

    def has_ended(self, today=None) -> bool:
        return (today or timezone.localdate()) > self.ends_on


class PublicityObjection(models.Model):
    """An objection (or, in a comment period, a comment) received while a notice is posted:
    who, when, what, who recorded it, and the coordination meeting it led to."""

    publicity = models.ForeignKey(
        Publicity, verbose_name=_("publicity"), on_delete=models.PROTECT, related_name="objections"
    )
    name = models.CharField(_("from"), max_length=100)
    flat = models.CharField(_("flat"), max_length=100, blank=True)
    text = models.TextField(_("objection"), max_length=5000)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    meeting = models.ForeignKey(
        "consultation.Meeting",
        verbose_name=_("coordination meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections_heard",
    )

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_at", "id"]

    def __str__(self):
        return f"{self.name}: {self.text[:40]}"
