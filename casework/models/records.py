"""What accumulates on a case: attachments, the append-only event log, ratings."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models.cases import Case, Status
from core.chain import GENESIS, link
from core.choices import QuickDisplayMixin
from core.exceptions import ImmutableRecord
from core.models import AppendOnlyQuerySet

# ------------------------------------------------------------------------ event log


def attachment_path(instance, filename) -> str:
    """Where evidence is stored: by month, under a random name (the uploader's file name is
    kept only as data)."""
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{instance.extension}"


class CaseAttachment(models.Model):
    """Evidence (photo or document) on a case. Served only through a permission-checked view."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    is_public = models.BooleanField(_("visible to the resident"), default=False)
    # A file a receiving organisation sent with its referral's reply (site photos): its
    # organisation sees it on the referral page, the street on the case page.
    referral = models.ForeignKey(
        "casework.Referral",
        verbose_name=_("referral"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name

    @property
    def extension(self) -> str:
        return {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}.get(
            self.content_type, ".bin"
        )


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    TRANSITION = "transition", _("Status change")
    ASSIGNMENT = "assignment", _("Assignment")
    NOTE = "note", _("Note")
    MERGE = "merge", _("Merge")
    ATTACHMENT = "attachment", _("Attachment")
    RESIDENT = "resident", _("Information from the resident")
    RATING = "rating", _("Rating by the resident")
    REFERRAL = "referral", _("Referral")
    CHASE = "chase", _("Chased (催办)")
    SUPERVISION = "supervision", _("Supervision (督办)")
    MEDIATION = "mediation", _("People's mediation")
    RETURN_VISIT = "return_visit", _("Return visit (回访)")


class ChainedEventQuerySet(AppendOnlyQuerySet):
    """Events are written one by one: each links to the one before it (casework.chain)."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db):
            for obj in objs:
                obj.save(using=self.db)
        return objs


class CaseEvent(QuickDisplayMixin, models.Model):
    """One entry of a case's append-only log: who did what, when, from which state to which."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    transition = models.CharField(_("transition"), max_length=32, blank=True)
    from_status = models.CharField(
        _("from status"), max_length=32, choices=Status.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=32, choices=Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    referral = models.ForeignKey(
        "casework.Referral",
        verbose_name=_("referral"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    # What the system says happened, rendered in the reader's language when read
    # (casework.event_text); ``note`` keeps only what a person wrote, as written.
    code = models.CharField(_("event code"), max_length=40, blank=True)
    params = models.JSONField(_("event parameters"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=20000)
    is_public = models.BooleanField(_("visible to the resident"), default=False)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    # The case log's hash chain (#24, casework.chain): the previous event's hash on this
    # case and this event's, written under the case's row lock.
    prev_hash = models.CharField(_("previous event hash"), max_length=64, blank=True)
    row_hash = models.CharField(_("event hash"), max_length=64, blank=True)

    objects = ChainedEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="event_case_time")]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord()
        with transaction.atomic(using=kwargs.get("using")):
            self._seal()
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord()

    def _seal(self) -> None:
        """Link this new event to the case's last one (#24, core.chain), under the case's
        row lock: two events written at once on one case get exactly one order. Here, in
        ``save``, because it is the one path every event takes, whichever service writes
        it; casework.chain verifies."""
        list(Case.objects.select_for_update().filter(pk=self.case_id).values_list("pk"))
        previous = (
            CaseEvent.objects.filter(case_id=self.case_id)
            .order_by("-id")
            .values_list("row_hash", flat=True)
            .first()
        )
        self.prev_hash = previous or GENESIS
        self.row_hash = link(self.prev_hash, self.chained_fields())

    def chained_fields(self) -> dict:
        """What the case log's chain covers (docs/archives.md): the event's code,
        parameters, time and actor and its place in the case — not the free-text note,
        which de-identification (#27) may blank years later."""
        return {
            "case": self.case_id,
            "kind": self.kind,
            "code": self.code,
            "params": self.params,
            "at": self.created_at,
            "actor": self.actor_id,
            "referral": self.referral_id,
            "transition": self.transition,
            "from": self.from_status,
            "to": self.to_status,
            "public": self.is_public,
        }


class Score(models.IntegerChoices):
    VERY_POOR = 1, _("1 — very dissatisfied")
    POOR = 2, _("2 — dissatisfied")
    FAIR = 3, _("3 — acceptable")
    GOOD = 4, _("4 — satisfied")
    VERY_GOOD = 5, _("5 — very satisfied")


class Rating(models.Model):
    """The resident's rating of a resolved case (the hotline's three-part satisfaction)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="ratings"
    )
    efficiency = models.PositiveSmallIntegerField(_("efficiency"), choices=Score.choices)
    attitude = models.PositiveSmallIntegerField(_("attitude"), choices=Score.choices)
    result = models.PositiveSmallIntegerField(_("result"), choices=Score.choices)
    satisfied = models.BooleanField(_("satisfied overall"))
    comment = models.TextField(_("comment"), blank=True, max_length=5000)
    reopen_requested = models.BooleanField(_("asks to reopen"), default=False)
    reopen_reason = models.TextField(_("reason to reopen"), blank=True, max_length=5000)
    handled_at = models.DateTimeField(_("request handled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at"]
        # Requests to reopen not yet handled (需要我处理): the few waiting, not every rating.
        indexes = [
            models.Index(
                fields=["case"],
                name="rating_reopen_queue",
                condition=Q(reopen_requested=True, handled_at__isnull=True),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(efficiency__range=(1, 5), attitude__range=(1, 5), result__range=(1, 5)),
                name="rating_scores_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.case} {self.efficiency}/{self.attitude}/{self.result}"

    @property
    def open_request(self) -> bool:
        return self.reopen_requested and self.handled_at is None


class ExportKind(models.TextChoices):
    CASES = "cases", _("Case list")
    REPORT = "report", _("Monthly report")


class ExportLog(models.Model):
    """Every export of case data: who, when, what filter, how many rows (DOMAIN.md §9)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    kind = models.CharField(_("what"), max_length=12, choices=ExportKind.choices)
    format = models.CharField(_("format"), max_length=8)
    filters = models.CharField(_("filter"), max_length=2000, blank=True)
    rows = models.PositiveIntegerField(_("rows"))
    unmasked = models.BooleanField(_("phone numbers unmasked"), default=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("export log")
        ordering = ["-created_at", "-id"]
        permissions = [("export_unmasked", _("Can export unmasked phone numbers"))]

    def __str__(self):
        return f"{self.user_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord()
        super().save(*args, **kwargs)


class VisitManner(models.TextChoices):
    PHONE = "phone", _("Phone call")
    HOME = "home", _("Home visit")
    ON_SITE = "on_site", _("On site")
    MESSAGE = "message", _("Text message")


class CaseReturnVisit(models.Model):
    """The case officer's return visit (回访) after resolution (DOMAIN.md §2-3): whether the
    resident was reached, their satisfaction on the hotline's three measures (as in their own
    rating), overall, and their words. A case closes only after one (or the resident's own
    rating); an unsatisfied resident is offered reopening."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="return_visits"
    )
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now)
    manner = models.CharField(_("how"), max_length=12, choices=VisitManner.choices)
    reached = models.BooleanField(_("the resident was reached"))
    efficiency = models.PositiveSmallIntegerField(
        _("efficiency"), choices=Score.choices, null=True, blank=True
    )
    attitude = models.PositiveSmallIntegerField(
        _("attitude"), choices=Score.choices, null=True, blank=True
    )
    result = models.PositiveSmallIntegerField(
        _("result"), choices=Score.choices, null=True, blank=True
    )
    satisfied = models.BooleanField(_("satisfied overall"), null=True, blank=True)
    residents_words = models.TextField(_("the resident's words"), blank=True, max_length=5000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("case return visit")
        verbose_name_plural = _("case return visits")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            # Reached: the three measures and the overall answer; not reached: none of them.
            models.CheckConstraint(
                condition=(
                    Q(
                        reached=True,
                        efficiency__range=(1, 5),
                        attitude__range=(1, 5),
                        result__range=(1, 5),
                        satisfied__isnull=False,
                    )
                    | Q(
                        reached=False,
                        efficiency__isnull=True,
                        attitude__isnull=True,
                        result__isnull=True,
                        satisfied__isnull=True,
                    )
                ),
                name="case_return_visit_scores_when_reached",
            ),
        ]

    def __str__(self):
        return f"{self.case} {self.visited_at:%Y-%m-%d}"

    @property
    def dissatisfied(self) -> bool:
        return bool(self.reached and self.satisfied is False)
