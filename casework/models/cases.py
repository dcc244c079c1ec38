"""The case and its state machine (DOMAIN.md §2).

Transition bodies only stamp fields on the same row; every write that matters goes
through ``casework.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, transition

from casework import permissions
from casework.calendar import add_working_days, working_days_between
from casework.hooks import GuardsOf
from casework.models.organisations import Category, Organisation
from casework.models.places import Place
from casework.models.referrals import OPEN_REFERRAL_STATUSES
from casework.privacy import PURPOSE_CASE, SEEN_BY_CASE_STAFF
from core.choices import QuickDisplayMixin
from core.exceptions import TransitionRefused
from core.fields import EncryptedCharField, StateField
from core.transitions import required

# ------------------------------------------------------------------------------ case


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    # "来电" is how a grievance came in; a party's phone number is "电话" (msgid "Phone").
    PHONE = "phone", pgettext_lazy("channel", "Phone")
    ONLINE = "online", _("Online")
    HOTLINE = "hotline", _("12345 hotline order")
    GRID_PATROL = "grid_patrol", _("Grid patrol")
    POLICE_TRANSFER = "police_transfer", _("Police transfer")
    COURT_ENTRUSTMENT = "court_entrustment", _("Court entrustment")
    LETTER = "letter", _("Letters and visits")


class Priority(models.TextChoices):
    GENERAL = "general", _("General")
    URGENT = "urgent", _("Urgent")
    VERY_URGENT = "very_urgent", _("Very urgent")


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    ARCHIVED = "archived", _("Archived")
    REJECTED = "rejected", _("Not accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    MERGED = "merged", _("Merged as duplicate")


OPEN_STATUSES = frozenset(
    {Status.REGISTERED, Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING, Status.REOPENED}
)
ENDED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED, Status.ARCHIVED})
# Open cases whose deadline clock is running (it pauses while waiting): these can be overdue.
CLOCK_RUNNING_STATUSES = OPEN_STATUSES - {Status.WAITING}


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    PARTLY_RESOLVED = "partly_resolved", _("Partly resolved")
    EXPLAINED = "explained", _("Explained to the resident")
    MEDIATION_AGREEMENT = "mediation_agreement", _("Mediation agreement reached")
    MEDIATION_FAILED = "mediation_failed", _("Mediation failed — routes explained")
    REFERRED_OUT = "referred_out", _("Referred out")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DUPLICATE = "duplicate", _("Duplicate")


# Outcomes an officer may choose when resolving; the last two are set by their own paths.
RESOLVING_OUTCOMES = [
    c for c in Outcome.choices if c[0] not in {Outcome.WITHDRAWN, Outcome.DUPLICATE}
]


def _has_officer(case: Case) -> bool:
    return case.assigned_officer_id is not None


_has_officer.message = _("Assign an officer before work starts.")


def _open_referrals(case: Case):
    return case.referrals.filter(status__in=OPEN_REFERRAL_STATUSES)


def _no_open_lead_referral(case: Case) -> bool:
    return not _open_referrals(case).filter(role="lead").exists()


_no_open_lead_referral.message = _(
    "The lead referral is still open: accept its reply or recall it before resolving."
)


def _no_open_referrals(case: Case) -> bool:
    return not _open_referrals(case).exists()


_no_open_referrals.message = _(
    "Referrals are still open: the case waits for them (it resumes when the last one ends)."
)


def _heard_back(case: Case) -> bool:
    """A return visit recorded, or the resident's own rating, since the case was resolved."""
    since = case.resolved_at
    if since is None:
        return False
    return (
        case.return_visits.filter(recorded_at__gte=since).exists()
        or case.ratings.filter(created_at__gte=since).exists()
    )


_heard_back.message = _(
    "Record the return visit (回访) first: a case closes only after a return visit or the "
    "resident's own rating."
)


def _nothing_referred_out(case: Case) -> bool:
    return not _open_referrals(case).exists()


_nothing_referred_out.message = _("Recall the open referrals before recording the withdrawal.")


class Case(QuickDisplayMixin, ConcurrentTransitionMixin, models.Model):
    """One grievance or consultation matter (案件/诉求)."""

    # The personal data this model holds, for the processing register (casework.privacy,
    # PIPL Art. 55 个人信息处理活动记录): field -> (purpose, who sees it, retention kind).
    PERSONAL_DATA = {
        "address": (PURPOSE_CASE, SEEN_BY_CASE_STAFF, "contact"),
        "description": (PURPOSE_CASE, SEEN_BY_CASE_STAFF, "identity"),
        "requests": (PURPOSE_CASE, SEEN_BY_CASE_STAFF, "identity"),
    }

    reference = models.CharField(
        _("reference"),
        max_length=20,
        unique=True,
        editable=False,
        validators=[RegexValidator(r"^\d{4}-\d{6,}$")],
    )
    status_code_hash = models.CharField(
        _("status code (hashed)"), max_length=256, blank=True, editable=False
    )
    external_ref = models.CharField(
        _("external order number"),
        max_length=64,
        blank=True,
        help_text=_("E.g. the 12345 hotline's work-order number."),
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("receiving organisation"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    channel = models.CharField(_("channel"), max_length=24, choices=Channel.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases"
    )
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="cases"
    )
    # A flat or a doorway, often the resident's own home: sealed at rest (#27, core.crypto).
    address = EncryptedCharField(_("address details"), max_length=300, blank=True)
    description = models.TextField(_("what happened"), max_length=20000)
    requests = models.TextField(_("what is asked for"), max_length=20000, blank=True)
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.GENERAL
    )
    escalation_risk = models.BooleanField(_("escalation risk"), default=False)
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned officer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_cases",
    )
    status = StateField(_("status"), choices=Status.choices, default=Status.REGISTERED)
    status_reason = models.TextField(_("reason for the current status"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices, blank=True)
    resolution_summary = models.TextField(_("resolution summary"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # When the officer started work (the first contact with the resident, DOMAIN.md §3).
    first_contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    # Working days from registration to first contact and to resolution, stamped when they
    # happen (with the calendar of that day): the monthly report takes medians over tens of
    # thousands of cases, and reading small integers keeps it under 300 ms at 100,000 cases
    # where converting every timestamp to a local date took seconds.
    first_contact_working_days = models.PositiveSmallIntegerField(
        _("working days to first contact"), null=True, blank=True, editable=False
    )
    resolution_working_days = models.PositiveSmallIntegerField(
        _("working days to resolution"), null=True, blank=True, editable=False
    )
    first_contact_due = models.DateField(_("first contact due"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The overdue deadline already chased by the SLA sweep (once per deadline).
    chased_for = models.DateField(_("chased for"), null=True, blank=True, editable=False)
    # The return visit (回访) after resolution: due RETURN_VISIT_WORKING_DAYS after it.
    return_visit_due = models.DateField(_("return visit due"), null=True, blank=True)
    # The first-contact and return-visit deadlines already chased (once per deadline).
    first_contact_chased_for = models.DateField(null=True, blank=True, editable=False)
    return_visit_chased_for = models.DateField(null=True, blank=True, editable=False)
    # Personal data past retention (PIPL Art. 19, 47; casework.deidentify): when the
    # parties' contact details, then their names, were cleared from this case.
    contact_cleared_at = models.DateTimeField(
        _("contact details cleared at"), null=True, blank=True, editable=False
    )
    identity_cleared_at = models.DateTimeField(
        _("names cleared at"), null=True, blank=True, editable=False
    )
    # Which personal-information notice (PIPL Art. 17) the resident was shown when the case
    # was registered (casework.privacy.NOTICE_VERSION).
    privacy_notice_version = models.CharField(
        _("privacy notice version"), max_length=20, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Every sort the case list offers, with the id as the tie-break the list adds
            # (casework.views.case_list), so page n of any order is an index walk: at 1M
            # cases sorting by priority without one cost 1.7 s. Built CONCURRENTLY on
            # PostgreSQL (migration 0024). Reference is unique: its own index serves.
            models.Index(fields=["created_at", "id"], name="case_sort_created"),
            models.Index(fields=["due_date", "id"], name="case_sort_due"),
            models.Index(fields=["priority", "id"], name="case_sort_priority"),
            models.Index(fields=["status", "id"], name="case_sort_status"),
            models.Index(fields=["status", "-created_at"], name="case_status_created"),
            models.Index(fields=["assigned_officer", "status"], name="case_officer_status"),
            # "Recently updated" on the dashboard sorts by this at 100k cases.
            models.Index(fields=["-updated_at"], name="case_updated"),
            # Covering indexes for the dashboard's counts by status and by category within
            # an area: at 100k cases on SQLite they take 124 ms / 91 ms -> 12 ms / 8 ms.
            models.Index(fields=["status", "place"], name="case_status_place"),
            models.Index(fields=["category", "status", "place"], name="case_category_status_place"),
            # The monthly report at 100k cases: "registered in the period by category and
            # place" is answered from this index alone, and "overdue now" (clock running,
            # due date passed) from the next, instead of scanning the table.
            models.Index(
                fields=["created_at", "category", "place"], name="case_created_category_place"
            ),
            models.Index(fields=["status", "due_date"], name="case_status_due"),
            # ... and the registrations by month with their acceptance and resolution.
            models.Index(
                fields=["created_at", "accepted_at", "resolved_at", "status"],
                name="case_report_registration",
            ),
            # ... resolutions by month, outcome and duration; first contacts by duration.
            models.Index(
                fields=["resolved_at", "resolution_working_days", "outcome"],
                name="case_report_resolution",
            ),
            models.Index(
                fields=["first_contact_at", "first_contact_working_days"],
                name="case_report_contact",
            ),
            # The follow-up queues (the dashboard, 需要我处理 and the navigation's count):
            # first contacts and return visits still owed, soonest first. Partial, so they
            # hold only the cases that wait for one: at 1,000,000 cases the queues read
            # every open (resolved) case of the area instead, 189 ms and 85 ms a page.
            models.Index(
                fields=["first_contact_due", "id"],
                name="case_first_contact_queue",
                condition=models.Q(first_contact_at__isnull=True, first_contact_due__isnull=False),
            ),
            models.Index(
                fields=["return_visit_due", "id"],
                name="case_return_visit_queue",
                condition=models.Q(status="resolved", return_visit_due__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed", "archived"]) | ~Q(outcome=""),
                name="case_ended_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="case_merged_has_target",
            ),
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="case_unique_external_ref",
            ),
        ]

    def __str__(self):
        return self.reference

    # -- derived state (never stored: see froide) --

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        if self.status not in CLOCK_RUNNING_STATUSES or self.due_date is None:
            return False
        return self.due_date < timezone.localdate()

    @property
    def first_contact_overdue(self) -> bool:
        """No first contact with the resident by its due day (DOMAIN.md §3)."""
        return (
            self.status in OPEN_STATUSES
            and self.first_contact_at is None
            and self.first_contact_due is not None
            and self.first_contact_due < timezone.localdate()
        )

    @property
    def return_visit_pending(self) -> bool:
        """Resolved, and neither a return visit nor the resident's rating since."""
        return self.status == Status.RESOLVED and not _heard_back(self)

    @property
    def return_visit_overdue(self) -> bool:
        return (
            self.return_visit_pending
            and self.return_visit_due is not None
            and self.return_visit_due < timezone.localdate()
        )

    # -- the state machine (DOMAIN.md §2). Bodies stamp fields on this row only. --

    @transition(
        field=status,
        source=Status.REGISTERED,
        target=Status.ACCEPTED,
        permission=permissions.can_work_case,
        custom={"label": _("Accept")},
    )
    def accept(self, **_params):
        today = timezone.localdate()
        self.accepted_at = timezone.now()
        self.first_contact_due = add_working_days(
            today, settings.LINLI["FIRST_CONTACT_WORKING_DAYS"]
        )
        self.due_date = add_working_days(today, self.category.time_limit_days)

    @transition(
        field=status,
        source=Status.REGISTERED,
        target=Status.REJECTED,
        permission=permissions.can_work_case,
        custom={"label": _("Do not accept"), "needs": ["reason"], "public": True},
    )
    def reject(self, *, reason: str = "", **_params):
        self.status_reason = required(reason, _("Give the reason for not accepting the case."))

    @transition(
        field=status,
        source=[Status.ACCEPTED, Status.REOPENED],
        target=Status.IN_PROGRESS,
        conditions=[_has_officer],
        permission=permissions.can_work_case,
        custom={"label": _("Start work")},
    )
    def start_work(self, **_params):
        self.status_reason = ""
        if self.first_contact_at is None:  # a reopened case keeps its first contact
            self.first_contact_at = timezone.now()
            self.first_contact_working_days = working_days_between(
                timezone.localdate(self.created_at), timezone.localdate()
            )

    @transition(
        field=status,
        source=Status.IN_PROGRESS,
        target=Status.WAITING,
        permission=permissions.can_work_case,
        custom={"label": _("Wait"), "needs": ["reason"]},
    )
    def wait(self, *, reason: str = "", **_params):
        self.status_reason = required(reason, _("Say what the case is waiting for."))
        self.waiting_since = timezone.now()

    @transition(
        field=status,
        source=Status.WAITING,
        target=Status.IN_PROGRESS,
        conditions=[_no_open_referrals],
        permission=permissions.can_work_case,
        custom={"label": _("Resume")},
    )
    def resume(self, **_params):
        # The SLA clock pauses while waiting: push the deadline by the working days lost.
        if self.waiting_since and self.due_date:
            paused = working_days_between(
                timezone.localdate(self.waiting_since), timezone.localdate()
            )
            self.due_date = add_working_days(self.due_date, paused) if paused else self.due_date
        self.waiting_since = None
        self.status_reason = ""

    @transition(
        field=status,
        source=Status.IN_PROGRESS,
        target=Status.RESOLVED,
        conditions=[_no_open_lead_referral, GuardsOf("resolve")],
        permission=permissions.can_work_case,
        custom={"label": _("Resolve"), "needs": ["outcome", "summary"], "public": True},
    )
    def resolve(self, *, outcome: str = "", summary: str = "", **_params):
        allowed = {value for value, _label in RESOLVING_OUTCOMES}
        problems = []
        if outcome not in allowed:
            problems.append(_("Choose the outcome of the case."))
        if not (summary or "").strip():
            problems.append(_("Write a resolution summary."))
        if problems:
            raise TransitionRefused(*problems)
        self.outcome = outcome
        self.resolution_summary = summary.strip()
        self.resolved_at = timezone.now()
        self.resolution_working_days = working_days_between(
            timezone.localdate(self.created_at), timezone.localdate()
        )
        self.return_visit_due = add_working_days(
            timezone.localdate(), settings.LINLI["RETURN_VISIT_WORKING_DAYS"]
        )

    @transition(
        field=status,
        source=Status.RESOLVED,
        target=Status.CLOSED,
        conditions=[_heard_back, GuardsOf("close")],
        permission=permissions.can_supervise_case,
        custom={
            "label": _("Close after return visit"),
            "needs": ["note"],
            "public": True,
            "who": _("A supervisor closes the case after the return visit."),
        },
    )
    def close(self, *, note: str = "", **_params):
        self.closed_at = timezone.now()

    @transition(
        field=status,
        source=[Status.RESOLVED, Status.CLOSED],
        target=Status.REOPENED,
        permission=permissions.can_work_case,
        custom={
            "label": _("Reopen"),
            "needs": ["reason"],
            "public": True,
        },
    )
    def reopen(self, *, reason: str = "", **_params):
        self.status_reason = required(reason, _("Give the reason for reopening the case."))
        self.outcome = ""
        self.resolved_at = None
        self.resolution_working_days = None
        self.closed_at = None
        self.return_visit_due = None

    @transition(
        field=status,
        source=Status.CLOSED,
        target=Status.ARCHIVED,
        conditions=[GuardsOf("archive")],
        permission=permissions.can_archive_case,
        custom={"label": _("Archive")},
    )
    def archive(self, **_params):
        pass

    @transition(
        field=status,
        source=[
            Status.REGISTERED,
            Status.ACCEPTED,
            Status.IN_PROGRESS,
            Status.WAITING,
            Status.REOPENED,
        ],
        target=Status.WITHDRAWN,
        conditions=[_nothing_referred_out],
        permission=permissions.can_work_case,
        custom={"label": _("Withdrawn by the resident"), "needs": ["reason"], "public": True},
    )
    def withdraw(self, *, reason: str = "", **_params):
        self.status_reason = required(reason, _("Record why the resident withdrew."))
        self.outcome = Outcome.WITHDRAWN
        self.waiting_since = None

    @transition(
        field=status,
        source=Status.REGISTERED,
        target=Status.MERGED,
        permission=permissions.can_work_case,
        custom={"label": _("Merge as duplicate"), "internal": True, "public": True},
    )
    def mark_merged(self, *, target: Case | None = None, **_params):
        if target is None or target.pk == self.pk:
            raise TransitionRefused(_("Choose another case to merge this one into."))
        self.merged_into = target
        self.outcome = Outcome.DUPLICATE
        self.status_reason = str(_("Duplicate of %(ref)s") % {"ref": target.reference})
