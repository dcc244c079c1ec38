"""The three meetings (三会: hearing, coordination, evaluation) and what happened at them:
invitees and attendance, agenda, statements, votes, decisions, follow-up actions, and the
rating sheets of evaluation meetings (DOMAIN.md §5).

Transition bodies only stamp fields on the meeting's row; every write goes through
``consultation.services.meetings``.
"""

from __future__ import annotations

from fractions import Fraction

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition

from casework.models import Case, Organisation, Place
from casework.privacy import PURPOSE_MEETING, SEEN_BY_CASE_STAFF
from consultation import permissions
from core.exceptions import TransitionRefused
from core.fields import StateField
from core.names import person_name
from core.transitions import required


class MeetingKind(models.TextChoices):
    HEARING = "hearing", _("Hearing (听证会)")
    COORDINATION = "coordination", _("Coordination meeting (协调会)")
    EVALUATION = "evaluation", _("Evaluation meeting (评议会)")


def meeting_rule(kind: str) -> dict:
    """The per-kind rule from settings: notice lead days, quorum, retention years."""
    return settings.LINLI["MEETING_RULES"][kind]


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    NOTICE_PUBLISHED = "notice_published", _("Notice published")
    HELD = "held", _("Held")
    CLOSED = "closed", _("Closed")
    POSTPONED = "postponed", _("Postponed")
    CANCELLED = "cancelled", _("Cancelled")


# While a meeting's record can still be written (attendance, statements, votes...).
RECORDABLE_STATUSES = frozenset({MeetingStatus.NOTICE_PUBLISHED, MeetingStatus.HELD})


PREPARABLE_STATUSES = frozenset(
    {MeetingStatus.PLANNED, MeetingStatus.NOTICE_PUBLISHED, MeetingStatus.POSTPONED}
)


def _attendance_marked(meeting: Meeting) -> bool:
    return not meeting.invitees.filter(attended__isnull=True).exists()


_attendance_marked.message = _("Mark every invitee present or absent before closing.")


def _has_invitees(meeting: Meeting) -> bool:
    return meeting.invitees.exists()


_has_invitees.message = _("Invite the participants before publishing the notice.")


def _has_started(meeting: Meeting) -> bool:
    """A meeting set for 12-05 cannot have been held on 12-03."""
    return meeting.starts_at is None or meeting.starts_at <= timezone.now()


def _not_started_yet(meeting: Meeting) -> str:
    return _("The meeting starts %(when)s: it cannot be marked as held before then.") % {
        "when": f"{timezone.localtime(meeting.starts_at):%Y-%m-%d %H:%M}"
    }


_has_started.explain = _not_started_yet


class Meeting(ConcurrentTransitionMixin, models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    topic = models.CharField(_("topic"), max_length=300)
    cases = models.ManyToManyField(Case, verbose_name=_("cases"), related_name="meetings")
    # Where the meeting's matter lies (the first case's place): scopes who sees it.
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="meetings"
    )
    convening_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("convening organisation"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    # Chair and recorder are people: a staff member (the FK, printed by the person-name
    # rule) or, for an outsider without an account, the name as written (the text).
    chair_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    chair = models.CharField(_("chair (not a staff member)"), max_length=100, blank=True)
    recorder_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorder = models.CharField(_("recorder (not a staff member)"), max_length=100, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    venue = models.CharField(_("venue"), max_length=200)
    notice_date = models.DateField(_("notice published on"), null=True, blank=True)
    status = StateField(_("status"), choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    status_reason = models.TextField(_("reason for the current status"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.topic}"

    @property
    def chair_name(self) -> str:
        """Who chairs: the staff member by the person-name rule, else the name as written."""
        return person_name(self.chair_person) if self.chair_person_id else self.chair

    @property
    def recorder_name(self) -> str:
        """Who records: the staff member by the person-name rule, else the name as written
        ("" when nobody is named yet)."""
        return person_name(self.recorder_person) if self.recorder_person_id else self.recorder

    @property
    def reference(self) -> str:
        """The meeting's file reference, e.g. ``M2026-0012``."""
        return f"M{timezone.localtime(self.starts_at):%Y}-{self.pk:04d}"

    @property
    def lead_days(self) -> int:
        return meeting_rule(self.kind)["notice_lead_days"]

    @property
    def short_notice(self) -> bool:
        """Whether the notice was (or would be, if published today) shorter than the rule."""
        notice = self.notice_date or timezone.localdate()
        return (timezone.localtime(self.starts_at).date() - notice).days < self.lead_days

    @property
    def is_recordable(self) -> bool:
        return self.status in RECORDABLE_STATUSES

    # -- the lifecycle --

    @transition(
        field=status,
        source=MeetingStatus.PLANNED,
        target=MeetingStatus.NOTICE_PUBLISHED,
        conditions=[_has_invitees],
        permission=permissions.can_run_meeting,
        custom={"label": _("Publish the notice")},
    )
    def publish_notice(self, **_params):
        self.notice_date = timezone.localdate()
        self.status_reason = ""

    @transition(
        field=status,
        source=MeetingStatus.NOTICE_PUBLISHED,
        target=MeetingStatus.HELD,
        conditions=[_has_started],
        permission=permissions.can_run_meeting,
        custom={"label": _("Mark as held")},
    )
    def hold(self, **_params):
        pass

    @transition(
        field=status,
        source=MeetingStatus.HELD,
        target=MeetingStatus.CLOSED,
        conditions=[_attendance_marked],
        permission=permissions.can_run_meeting,
        custom={"label": _("Close the meeting record")},
    )
    def close(self, **_params):
        pass

    @transition(
        field=status,
        source=[MeetingStatus.PLANNED, MeetingStatus.NOTICE_PUBLISHED],
        target=MeetingStatus.POSTPONED,
        permission=permissions.can_run_meeting,
        custom={"label": _("Postpone"), "needs": ["reason"]},
    )
    def postpone(self, *, reason: str = "", **_params):
        self.status_reason = required(reason, _("Give the reason for postponing."))

    @transition(
        field=status,
        source=MeetingStatus.POSTPONED,
        target=MeetingStatus.PLANNED,
        permission=permissions.can_run_meeting,
        custom={"label": _("Reschedule"), "needs": ["starts_at"]},
    )
    def reschedule(self, *, starts_at=None, **_params):
        if starts_at is None:
            raise TransitionRefused(_("Give the new date and time."))
        self.starts_at = starts_at
        self.notice_date = None  # a new notice is due for the new date
        self.status_reason = ""

    @transition(
        field=status,
        source=[MeetingStatus.PLANNED, MeetingStatus.NOTICE_PUBLISHED, MeetingStatus.POSTPONED],
        target=MeetingStatus.CANCELLED,
        permission=permissions.can_run_meeting,
        custom={"label": _("Cancel"), "needs": ["reason"]},
    )
    def cancel(self, *, reason: str = "", **_params):
        self.status_reason = required(reason, _("Give the reason for cancelling."))

    # -- attendance --

    def quorum(self) -> dict:
        """Attendance against the kind's quorum rule (exact fractions, no floats)."""
        rule = Fraction(meeting_rule(self.kind)["quorum"])
        invitees = list(self.invitees.all())
        invited = len(invitees)
        present = sum(1 for i in invitees if i.attended)
        return {
            "invited": invited,
            "present": present,
            "rule": rule,
            "met": invited > 0 and Fraction(present, invited) >= rule,
        }


class InviteeCategory(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    DELEGATE = "delegate", _("Residents' assembly delegate")
    LOCAL_UNIT = "local_unit", _("Local unit")
    PROPERTY_COMPANY = "property_company", _("Property company")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    AGENCY = "agency", _("Agency")
    OBSERVER = "observer", _("Observer")


class Invitee(models.Model):
    # The personal data this model holds, for the processing register (casework.privacy,
    # PIPL Art. 55 个人信息处理活动记录): field -> (purpose, who sees it, retention kind).
    PERSONAL_DATA = {
        "name": (PURPOSE_MEETING, SEEN_BY_CASE_STAFF, "archive"),
        "affiliation": (PURPOSE_MEETING, SEEN_BY_CASE_STAFF, "archive"),
    }

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="invitees"
    )
    category = models.CharField(_("category"), max_length=20, choices=InviteeCategory.choices)
    name = models.CharField(_("name"), max_length=100)
    affiliation = models.CharField(_("unit or address"), max_length=200, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitee")
        verbose_name_plural = _("invitees")
        ordering = ["category", "id"]

    def __str__(self):
        return self.name


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("item"), max_length=300)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["position", "id"]

    def __str__(self):
        return self.title


class Stance(models.TextChoices):
    SUPPORT = "support", _("In favour")
    OPPOSE = "oppose", _("Against")
    NEUTRAL = "neutral", _("Neutral")
    QUESTION = "question", _("Question")
    INFORMATION = "information", _("Information")


class Statement(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="statements"
    )
    speaker = models.ForeignKey(
        Invitee, verbose_name=_("speaker"), on_delete=models.PROTECT, related_name="statements"
    )
    stance = models.CharField(_("position"), max_length=16, choices=Stance.choices)
    text = models.TextField(_("what they said"), max_length=10000)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.speaker}: {self.text[:40]}"


class MotionOutcome(models.TextChoices):
    CARRIED = "carried", _("Carried")
    DEFEATED = "defeated", _("Defeated")


class Motion(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="motions"
    )
    text = models.TextField(_("motion"), max_length=5000)
    votes_for = models.PositiveSmallIntegerField(_("for"))
    votes_against = models.PositiveSmallIntegerField(_("against"))
    abstentions = models.PositiveSmallIntegerField(_("abstain"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=MotionOutcome.choices)

    class Meta:
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        ordering = ["id"]

    def __str__(self):
        return self.text[:60]


class Decision(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("decision"), max_length=5000)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["id"]

    def __str__(self):
        return self.text[:60]


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class FollowUp(models.Model):
    """An action agreed at the meeting, owned by an organisation, visible on its cases."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    text = models.TextField(_("action"), max_length=5000)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_note = models.TextField(_("how it was done"), blank=True)

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["due_date", "id"]

    def __str__(self):
        return self.text[:60]

    @property
    def is_overdue(self) -> bool:
        return self.status == FollowUpStatus.OPEN and self.due_date < timezone.localdate()


class Criterion(models.Model):
    """What participants of an evaluation meeting score (e.g. 'the result', 'attitude')."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="criteria"
    )
    name = models.CharField(_("criterion"), max_length=100)

    class Meta:
        verbose_name = _("rating criterion")
        verbose_name_plural = _("rating criteria")
        ordering = ["id"]

    def __str__(self):
        return self.name


class RatingSheet(models.Model):
    """One participant's sheet at an evaluation meeting (评议表)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="sheets"
    )
    participant = models.ForeignKey(
        Invitee, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="sheets"
    )
    returned = models.BooleanField(_("returned"), default=False)
    valid = models.BooleanField(_("valid"), default=False)

    class Meta:
        verbose_name = _("rating sheet")
        verbose_name_plural = _("rating sheets")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "participant"], name="sheet_once"),
            models.CheckConstraint(
                condition=Q(valid=False) | Q(returned=True), name="sheet_valid_returned"
            ),
        ]

    def __str__(self):
        return f"{self.participant}"


class Score(models.Model):
    sheet = models.ForeignKey(
        RatingSheet, verbose_name=_("sheet"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores"
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="score_once"),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="score_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.criterion_id}: {self.score}"
