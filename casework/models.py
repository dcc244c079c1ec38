"""Casework data: the place tree, organisations, categories, cases, parties and events.

Transition bodies only stamp fields on the same row; every write that matters goes
through ``casework.services``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Concat, Substr
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition

from casework import permissions
from casework.calendar import add_working_days, working_days_between
from casework.exceptions import ImmutableRecord, TransitionRefused
from casework.fields import StateField
from casework.roles import Role

# --------------------------------------------------------------------------- places


class PlaceKind(models.TextChoices):
    STREET = "street", _("Street")
    AREA = "area", _("Residents' area")
    ESTATE = "estate", _("Estate")
    BUILDING = "building", _("Building")
    STAIRWELL = "stairwell", _("Stairwell")


# Which kind of place may sit under which: the tree of DOMAIN.md §7.
ALLOWED_PARENT_KIND = {
    PlaceKind.STREET: None,
    PlaceKind.AREA: PlaceKind.STREET,
    PlaceKind.ESTATE: PlaceKind.AREA,
    PlaceKind.BUILDING: PlaceKind.ESTATE,
    PlaceKind.STAIRWELL: PlaceKind.BUILDING,
}
PATH_SEGMENT = 9  # "%08d/" per level


class Grid(models.Model):
    """A grid (网格): an overlay on buildings that the street redraws from time to time."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Place(models.Model):
    """A node of the place tree, stored with a materialised path for fast subtree queries."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PlaceKind.choices)
    name = models.CharField(_("name"), max_length=100)
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="buildings",
        help_text=_("Buildings only: the grid the building belongs to now."),
    )
    path = models.CharField(_("tree path"), max_length=255, editable=False, db_index=True)
    full_name = models.CharField(_("full name"), max_length=500, editable=False)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="place_unique_name_in_parent"),
        ]

    def __str__(self):
        return self.full_name or self.name

    def save(self, *args, **kwargs):
        with transaction.atomic():
            old = None
            if self.pk:
                old = Place.objects.filter(pk=self.pk).values("path", "full_name").first()
            if self.pk is None:
                self.path = ""
                self.full_name = self.name
                super().save(*args, **kwargs)
                kwargs.pop("force_insert", None)
            prefix = self.parent.path if self.parent_id else ""
            parent_name = self.parent.full_name if self.parent_id else ""
            self.path = f"{prefix}{self.pk:08d}/"
            self.full_name = f"{parent_name} / {self.name}" if parent_name else self.name
            super().save(update_fields=["parent", "kind", "name", "grid", "path", "full_name"])
            if old and (old["path"] != self.path or old["full_name"] != self.full_name):
                self._rewrite_descendants(old["path"], old["full_name"])

    @property
    def depth(self) -> int:
        return len(self.path) // PATH_SEGMENT

    def clean(self):
        expected = ALLOWED_PARENT_KIND.get(self.kind)
        actual = self.parent.kind if self.parent_id else None
        if expected != actual:
            if expected is None:
                raise ValidationError({"parent": _("A street is the top of the tree.")})
            raise ValidationError(
                {
                    "parent": _("A %(kind)s must sit under a %(parent)s.")
                    % {"kind": self.get_kind_display(), "parent": PlaceKind(expected).label}
                }
            )
        if self.pk and self.parent_id and self.parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": _("A place cannot be moved under itself.")})

    def _rewrite_descendants(self, old_path: str, old_full_name: str) -> None:
        """After a move or rename, give every descendant the new path prefix and name."""
        below = Place.objects.filter(path__startswith=old_path).exclude(pk=self.pk)
        below.update(
            path=Concat(models.Value(self.path), Substr("path", len(old_path) + 1)),
            full_name=Concat(
                models.Value(self.full_name), Substr("full_name", len(old_full_name) + 1)
            ),
        )

    def subtree_q(self, field: str = "place") -> Q:
        """A filter matching rows whose ``field`` is this place or anything under it."""
        return Q(**{f"{field}__path__startswith": self.path})


class Flat(models.Model):
    """A flat (户) with its floor and exclusive floor area, for consent ballots."""

    place = models.ForeignKey(
        Place,
        verbose_name=_("building or stairwell"),
        on_delete=models.PROTECT,
        related_name="flats",
        limit_choices_to={"kind__in": [PlaceKind.BUILDING, PlaceKind.STAIRWELL]},
    )
    number = models.CharField(_("flat number"), max_length=20)
    floor = models.SmallIntegerField(_("floor"))
    area_m2 = models.DecimalField(
        _("exclusive floor area (m²)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("flat")
        verbose_name_plural = _("flats")
        ordering = ["place__path", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["place", "number"], name="flat_unique_number"),
            models.CheckConstraint(condition=Q(area_m2__gt=0), name="flat_area_positive"),
        ]

    def __str__(self):
        return f"{self.place.name} {self.number}"


class FlatOwner(models.Model):
    flat = models.ForeignKey(
        Flat, verbose_name=_("flat"), on_delete=models.CASCADE, related_name="owners"
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("flat owner")
        verbose_name_plural = _("flat owners")

    def __str__(self):
        return self.name


# --------------------------------------------------------------------- organisations


class OrgKind(models.TextChoices):
    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")
    MEDIATION_COMMITTEE = "mediation_committee", _("People's mediation committee")
    STREET_OFFICE = "street_office", _("Street office")
    PROPERTY_COMPANY = "property_company", _("Property management company")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    POLICE_STATION = "police_station", _("Police station")
    URBAN_MANAGEMENT = "urban_management", _("Urban-management enforcement")
    JUSTICE_OFFICE = "justice_office", _("Justice office")
    HOUSING_OFFICE = "housing_office", _("Housing office")
    PROCURATORATE = "procuratorate", _("Procuratorate")
    ECOLOGY = "ecology", _("Ecology and environment")
    MARKET_REGULATION = "market_regulation", _("Market regulation")
    OTHER_AGENCY = "other_agency", _("Other agency")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrgKind.choices)
    places = models.ManyToManyField(
        Place,
        verbose_name=_("places covered"),
        related_name="organisations",
        blank=True,
        help_text=_("The organisation covers these places and everything under them."),
    )
    email = models.EmailField(_("e-mail for notices"), blank=True)
    phone = models.CharField(_("office phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """Ties a user to an organisation with one role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


# ------------------------------------------------------------------------ categories


class Category(models.Model):
    """An editable grievance category with its default time limit and receiving body."""

    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Stable code, e.g. for Open311.")
    )
    name = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    time_limit_days = models.PositiveSmallIntegerField(
        _("time limit (working days)"), default=5, validators=[MinValueValidator(1)]
    )
    default_org_kind = models.CharField(
        _("default receiving organisation kind"),
        max_length=32,
        choices=OrgKind.choices,
        blank=True,
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "code"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language."""
        lang = translation.get_language() or ""
        return self.name_zh if lang.startswith("zh") and self.name_zh else self.name


# ------------------------------------------------------------------------------ case


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone")
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


def _required(value: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise TransitionRefused(message)
    return value


def _has_officer(case: Case) -> bool:
    return case.assigned_officer_id is not None


_has_officer.message = _("Assign an officer before work starts.")


class ReferenceSequence(models.Model):
    """The last reference number issued per year (a row lock keeps numbers unique)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("reference sequence")
        verbose_name_plural = _("reference sequences")

    def __str__(self):
        return f"{self.year}: {self.last}"


class Case(ConcurrentTransitionMixin, models.Model):
    """One grievance or consultation matter (案件/诉求)."""

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
    address = models.CharField(_("address details"), max_length=300, blank=True)
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
    first_contact_due = models.DateField(_("first contact due"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="case_status_created"),
            models.Index(fields=["assigned_officer", "status"], name="case_officer_status"),
            # "Recently updated" on the dashboard sorts by this at 100k cases.
            models.Index(fields=["-updated_at"], name="case_updated"),
            # Covering indexes for the dashboard's counts by status and by category within
            # an area: at 100k cases on SQLite they take 124 ms / 91 ms -> 12 ms / 8 ms.
            models.Index(fields=["status", "place"], name="case_status_place"),
            models.Index(fields=["category", "status", "place"], name="case_category_status_place"),
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
        if not self.is_open or self.due_date is None or self.status == Status.WAITING:
            return False
        return self.due_date < timezone.localdate()

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
        self.status_reason = _required(reason, _("Give the reason for not accepting the case."))

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

    @transition(
        field=status,
        source=Status.IN_PROGRESS,
        target=Status.WAITING,
        permission=permissions.can_work_case,
        custom={"label": _("Wait"), "needs": ["reason"]},
    )
    def wait(self, *, reason: str = "", **_params):
        self.status_reason = _required(reason, _("Say what the case is waiting for."))
        self.waiting_since = timezone.now()

    @transition(
        field=status,
        source=Status.WAITING,
        target=Status.IN_PROGRESS,
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

    @transition(
        field=status,
        source=Status.RESOLVED,
        target=Status.CLOSED,
        permission=permissions.can_supervise_case,
        custom={"label": _("Close after return visit"), "needs": ["note"], "public": True},
    )
    def close(self, *, note: str = "", **_params):
        _required(note, _("Record the return visit before closing the case."))
        self.closed_at = timezone.now()

    @transition(
        field=status,
        source=[Status.RESOLVED, Status.CLOSED],
        target=Status.REOPENED,
        permission=permissions.can_work_case,
        custom={"label": _("Reopen"), "needs": ["reason"], "public": True},
    )
    def reopen(self, *, reason: str = "", **_params):
        self.status_reason = _required(reason, _("Give the reason for reopening the case."))
        self.outcome = ""
        self.resolved_at = None
        self.closed_at = None

    @transition(
        field=status,
        source=Status.CLOSED,
        target=Status.ARCHIVED,
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
        permission=permissions.can_work_case,
        custom={"label": _("Withdrawn by the resident"), "needs": ["reason"], "public": True},
    )
    def withdraw(self, *, reason: str = "", **_params):
        self.status_reason = _required(reason, _("Record why the resident withdrew."))
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


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    THIRD_PARTY = "third_party", _("Third party")


class PartyKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    ENTERPRISE = "enterprise", _("Enterprise")
    PROPERTY_COMPANY = "property_company", _("Property company")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")


class Party(models.Model):
    """A person or body taking part in a case. Personal data: shown only to who needs it."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="parties"
    )
    role = models.CharField(_("role"), max_length=16, choices=PartyRole.choices)
    kind = models.CharField(
        _("kind"), max_length=24, choices=PartyKind.choices, default=PartyKind.RESIDENT
    )
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    merged_from = models.ForeignKey(
        Case,
        verbose_name=_("joined from case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["case_id", "role", "id"]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


def mask_phone(phone: str) -> str:
    """138****1234 — keep the first three and last four digits of a phone number."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


# ------------------------------------------------------------------------ event log


def _attachment_path(instance, filename):
    # The stored name is random: the uploader's name is kept only as data.
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{instance.extension}"


class CaseAttachment(models.Model):
    """Evidence (photo or document) on a case. Served only through a permission-checked view."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    is_public = models.BooleanField(_("visible to the resident"), default=False)
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


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecord()

    def delete(self):
        raise ImmutableRecord()


class CaseEvent(models.Model):
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
    note = models.TextField(_("note"), blank=True, max_length=20000)
    is_public = models.BooleanField(_("visible to the resident"), default=False)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

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
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord()


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


# ------------------------------------------------------------ working-day calendar


class CalendarYear(models.Model):
    """Whether a year's official schedule (holidays and 调休 make-up days) is loaded.

    A year that is not published counts plain weekends, and supervisors are warned.
    """

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    published = models.BooleanField(
        _("official schedule loaded"),
        default=False,
        help_text=_("Tick once the State Council's schedule for this year is entered."),
    )
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        calendar_changed(self.year)


class CalendarDay(models.Model):
    """A day that differs from the weekend rule: a holiday on a weekday, or a make-up
    working day (调休) on a weekend."""

    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        calendar_changed(self.date.year)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        calendar_changed(self.date.year)
        return result


def calendar_changed(year: int) -> None:
    from django.core.cache import cache

    cache.delete(f"linli:calendar:{year}")
