"""People's mediation (人民调解, DOMAIN.md §4): the mediation of a case, its rights notice,
session records with signatures, the agreement, extensions, return visits, and what the
one-case-one-dossier archive (一案一卷) needs.

Transition bodies only stamp fields on the mediation row; every write goes through
``consultation.mediation_services``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition

from casework.models import Case, Party, PartyRole
from consultation import permissions
from core.exceptions import TransitionRefused
from core.fields import StateField


def mediation_setting(name: str):
    return settings.LINLI["MEDIATION"][name]


class MediationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    MEDIATING = "mediating", _("Mediating")
    AGREED = "agreed", _("Agreement in effect")
    ENDED = "ended", _("Ended without agreement")


UNDER_WAY = frozenset({MediationStatus.REGISTERED, MediationStatus.MEDIATING})


class NoticeManner(models.TextChoices):
    WRITTEN = "written", _("In writing (signed notice)")
    ORAL = "oral", _("Orally, recorded")


class EndReason(models.TextChoices):
    PARTY_DECLINED = "party_declined", _("A party declined to mediate")
    NO_AGREEMENT = "no_agreement", _("No agreement could be reached")
    WITHDRAWN = "withdrawn", _("The applicant withdrew")


class Route(models.TextChoices):
    """The routes the parties are told of when mediation ends without agreement."""

    LITIGATION = "litigation", _("Litigation (诉讼)")
    ARBITRATION = "arbitration", _("Arbitration (仲裁)")
    ADMINISTRATIVE = "administrative", _("Administrative handling (行政处理)")


class JudicialStatus(models.TextChoices):
    PENDING = "pending", _("Not yet decided")
    FILED = "filed", _("Filed with the court")
    DECLINED = "declined", _("Parties declined")


def _notice_given(mediation: Mediation) -> bool:
    return mediation.notice_given_at is not None


_notice_given.message = _("Record that the parties were told their rights and duties first.")


def _has_mediator(mediation: Mediation) -> bool:
    return mediation.mediators.exists()


_has_mediator.message = _("Name at least one mediator.")


def _both_sides(mediation: Mediation) -> bool:
    roles = set(mediation.case.parties.values_list("role", flat=True))
    return {PartyRole.APPLICANT, PartyRole.RESPONDENT} <= roles


_both_sides.message = _(
    "Mediation needs an applicant and a respondent: add the other side to the case's parties."
)


def _agreement_complete(mediation: Mediation) -> bool:
    agreement = getattr(mediation, "agreement", None)
    return agreement is not None and not agreement.unmet()


_agreement_complete.message = _(
    "The agreement takes effect only when every party and a mediator have signed and the "
    "committee's seal is marked."
)


class Mediation(ConcurrentTransitionMixin, models.Model):
    """One case's people's mediation, numbered ``(2026) X人调字第N号``."""

    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="mediation"
    )
    number = models.CharField(_("mediation number"), max_length=60, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial"))
    committee = models.CharField(_("mediation committee"), max_length=200)
    status = StateField(
        _("status"), choices=MediationStatus.choices, default=MediationStatus.REGISTERED
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("mediators"), related_name="mediations"
    )
    applied_on = models.DateField(_("applied on"), default=timezone.localdate)
    matters = models.TextField(_("matters to mediate"), max_length=5000)
    # The rights-and-duties notice (权利义务告知).
    notice_given_at = models.DateTimeField(_("rights notice given at"), null=True, blank=True)
    notice_manner = models.CharField(
        _("rights notice given"), max_length=16, choices=NoticeManner.choices, blank=True
    )
    notice_note = models.TextField(_("notice note"), blank=True, max_length=2000)
    started_on = models.DateField(_("mediation started on"), null=True, blank=True)
    due_date = models.DateField(_("time limit"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(
        _("why it ended"), max_length=20, choices=EndReason.choices, blank=True
    )
    told_litigation = models.BooleanField(_("told of litigation"), default=False)
    told_arbitration = models.BooleanField(_("told of arbitration"), default=False)
    told_administrative = models.BooleanField(_("told of administrative handling"), default=False)
    end_note = models.TextField(_("how it ended"), blank=True, max_length=5000)
    # The closing report (结案报告) filed once the mediation has concluded.
    closing_report = models.TextField(_("closing report"), blank=True, max_length=10000)
    closing_report_at = models.DateTimeField(_("closing report written at"), null=True, blank=True)
    # Stamped when the agreement takes effect: performance deadline + the setting's days.
    return_visit_due = models.DateField(_("return visit due"), null=True, blank=True)
    visit_chased_for = models.DateField(_("return visit chased for"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("people's mediation")
        verbose_name_plural = _("people's mediations")
        ordering = ["-year", "-serial"]
        constraints = [
            models.UniqueConstraint(fields=["year", "serial"], name="mediation_serial_once"),
            models.CheckConstraint(
                condition=~Q(status="ended")
                | Q(told_litigation=True)
                | Q(told_arbitration=True)
                | Q(told_administrative=True),
                name="mediation_ended_routes_told",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def under_way(self) -> bool:
        return self.status in UNDER_WAY

    @property
    def agreement_or_none(self) -> Agreement | None:
        return getattr(self, "agreement", None)

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == MediationStatus.MEDIATING
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )

    @property
    def routes_told(self) -> list[str]:
        flags = {
            Route.LITIGATION: self.told_litigation,
            Route.ARBITRATION: self.told_arbitration,
            Route.ADMINISTRATIVE: self.told_administrative,
        }
        return [str(route.label) for route, told in flags.items() if told]

    @property
    def return_visit_overdue(self) -> bool:
        return (
            self.return_visit_due is not None
            and self.return_visit_due < timezone.localdate()
            and not self.return_visits.exists()
        )

    # -- the lifecycle --

    @transition(
        field=status,
        source=MediationStatus.REGISTERED,
        target=MediationStatus.MEDIATING,
        conditions=[_notice_given, _has_mediator, _both_sides],
        permission=permissions.can_mediate,
        custom={"label": _("Start mediating")},
    )
    def start(self, **_params):
        today = timezone.localdate()
        self.started_on = today
        self.due_date = today + dt.timedelta(days=mediation_setting("TIME_LIMIT_DAYS"))

    @transition(
        field=status,
        source=MediationStatus.MEDIATING,
        target=MediationStatus.AGREED,
        conditions=[_agreement_complete],
        permission=permissions.can_mediate,
        custom={"label": _("Agreement takes effect"), "internal": True},
    )
    def take_effect(self, **_params):
        self.ended_on = timezone.localdate()
        deadline = self.agreement.performance_deadline
        self.return_visit_due = deadline + dt.timedelta(days=mediation_setting("RETURN_VISIT_DAYS"))

    @transition(
        field=status,
        source=[MediationStatus.REGISTERED, MediationStatus.MEDIATING],
        target=MediationStatus.ENDED,
        permission=permissions.can_mediate,
        custom={"label": _("End without agreement"), "needs": ["reason", "routes", "note"]},
    )
    def end_without_agreement(self, *, reason: str = "", routes=(), note: str = "", **_params):
        problems = []
        if reason not in EndReason.values:
            problems.append(_("Say why the mediation ends."))
        routes = set(routes or ())
        if not routes or not routes <= set(Route.values):
            problems.append(
                _(
                    "Record the routes the parties were told of (litigation, arbitration, "
                    "administrative handling)."
                )
            )
        if problems:
            raise TransitionRefused(*problems)
        self.end_reason = reason
        self.told_litigation = Route.LITIGATION in routes
        self.told_arbitration = Route.ARBITRATION in routes
        self.told_administrative = Route.ADMINISTRATIVE in routes
        self.end_note = (note or "").strip()
        self.ended_on = timezone.localdate()

    # -- the dossier (一案一卷) --

    def checklist(self) -> list[DossierItem]:
        """The items of DOMAIN.md §4's dossier, each present, missing or not applicable."""
        return dossier_checklist(self)

    def missing_items(self) -> list[str]:
        """Each missing item's title, with what exactly is missing when that helps."""
        return [
            f"{item.title} ({item.detail})" if item.detail else item.title
            for item in self.checklist()
            if item.state == DossierItem.MISSING
        ]


class MediationSequence(models.Model):
    """The last mediation serial issued per year (row-locked when issuing)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("mediation sequence")
        verbose_name_plural = _("mediation sequences")

    def __str__(self):
        return f"{self.year}: {self.last}"


class MediationSession(models.Model):
    """One session and its record (调解记录)."""

    mediation = models.ForeignKey(
        Mediation, verbose_name=_("mediation"), on_delete=models.PROTECT, related_name="sessions"
    )
    number = models.PositiveSmallIntegerField(_("session"))
    held_at = models.DateTimeField(_("held at"))
    venue = models.CharField(_("venue"), max_length=200)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mediator"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorder"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    participants = models.ManyToManyField(
        Party, verbose_name=_("parties present"), related_name="mediation_sessions"
    )
    others_present = models.CharField(_("others present"), max_length=300, blank=True)
    applicant_account = models.TextField(_("the applicant's account"), max_length=10000)
    respondent_account = models.TextField(_("the respondent's account"), max_length=10000)
    evidence = models.TextField(_("evidence checked"), blank=True, max_length=10000)
    outcome = models.TextField(_("outcome of the session"), max_length=10000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["mediation_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["mediation", "number"], name="session_number_once")
        ]

    def __str__(self):
        return f"{self.mediation.number} #{self.number}"

    def signers(self) -> list[Signer]:
        """Who must sign this record: every party present, the mediator and the recorder."""
        people = [Signer(party=p) for p in self.participants.all()]
        people.append(Signer(user=self.mediator, role=SignerRole.MEDIATOR))
        if self.recorder_id != self.mediator_id:
            people.append(Signer(user=self.recorder, role=SignerRole.RECORDER))
        return people


class Agreement(models.Model):
    """The people's mediation agreement (人民调解协议书)."""

    mediation = models.OneToOneField(
        Mediation, verbose_name=_("mediation"), on_delete=models.PROTECT, related_name="agreement"
    )
    facts = models.TextField(_("facts"), max_length=10000)
    disputed_matters = models.TextField(_("disputed matters"), max_length=10000)
    performance_manner = models.CharField(_("manner of performance"), max_length=500)
    performance_place = models.CharField(_("place of performance"), max_length=300)
    performance_deadline = models.DateField(_("performance deadline"))
    sealed_at = models.DateTimeField(_("committee seal marked at"), null=True, blank=True)
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seal marked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    effective_at = models.DateTimeField(_("in effect since"), null=True, blank=True)
    # Joint application for judicial confirmation (司法确认) within 30 days of effect.
    judicial_deadline = models.DateField(_("judicial confirmation by"), null=True, blank=True)
    judicial_status = models.CharField(
        _("judicial confirmation"),
        max_length=10,
        choices=JudicialStatus.choices,
        default=JudicialStatus.PENDING,
    )
    judicial_recorded_on = models.DateField(_("recorded on"), null=True, blank=True)
    judicial_note = models.TextField(_("judicial confirmation note"), blank=True, max_length=2000)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    drafted_at = models.DateTimeField(_("drafted at"), default=timezone.now)

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")

    def __str__(self):
        return str(_("Agreement %(number)s") % {"number": self.mediation.number})

    @property
    def in_effect(self) -> bool:
        return self.effective_at is not None

    @property
    def judicial_reminder_due(self) -> bool:
        """Remind of joint judicial confirmation: in effect, undecided, window still open."""
        return (
            self.in_effect
            and self.judicial_status == JudicialStatus.PENDING
            and self.judicial_deadline is not None
            and timezone.localdate() <= self.judicial_deadline
        )

    @property
    def judicial_days_left(self) -> int | None:
        if self.judicial_deadline is None:
            return None
        return (self.judicial_deadline - timezone.localdate()).days

    def signers(self) -> list[Signer]:
        """Who may sign: every party of the case (all must) and the mediation's mediators
        (one must)."""
        people = [Signer(party=p) for p in self.mediation.case.parties.all()]
        people += [
            Signer(user=u, role=SignerRole.MEDIATOR)
            for u in self.mediation.mediators.order_by("username")
        ]
        return people

    def unmet(self) -> list[str]:
        """What still keeps the agreement from taking effect, in words."""
        problems = []
        signatures = list(self.signatures.all())
        signed_parties = {s.party_id for s in signatures if s.party_id and not s.refused}
        for signer in self.signers():
            if signer.party is not None and signer.party.pk not in signed_parties:
                problems.append(
                    str(_("%(name)s (%(role)s) has not signed."))
                    % {"name": signer.party.name, "role": signer.party.get_role_display()}
                )
        mediator_ids = set(self.mediation.mediators.values_list("pk", flat=True))
        if not any(s.user_id in mediator_ids and not s.refused for s in signatures):
            problems.append(str(_("No mediator has signed.")))
        if self.sealed_at is None:
            problems.append(str(_("The committee's seal is not marked.")))
        if not self.obligations.exists():
            problems.append(str(_("The agreement states no obligations.")))
        return problems


class Obligation(models.Model):
    """What one party undertakes under the agreement."""

    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="obligations",
    )
    party = models.ForeignKey(
        Party, verbose_name=_("party"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("obligation"), max_length=5000)

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["agreement_id", "id"]

    def __str__(self):
        return f"{self.party.name}: {self.text[:40]}"


class SignerRole(models.TextChoices):
    PARTY = "party", _("Party")
    MEDIATOR = "mediator", _("Mediator")
    RECORDER = "recorder", _("Recorder")


@dataclass(frozen=True)
class Signer:
    party: Party | None = None
    user: object | None = None
    role: str = SignerRole.PARTY

    @property
    def name(self) -> str:
        if self.party is not None:
            return self.party.name
        from core.names import person_name

        return person_name(self.user)

    @property
    def key(self) -> str:
        return f"p{self.party.pk}" if self.party is not None else f"u{self.user.pk}"


class MediationSignature(models.Model):
    """A signature (or a recorded refusal) on a session record or on the agreement."""

    session = models.ForeignKey(
        MediationSession,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    agreement = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    role = models.CharField(_("signed as"), max_length=10, choices=SignerRole.choices)
    party = models.ForeignKey(
        Party,
        verbose_name=_("party"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=200)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    refused = models.BooleanField(_("refused to sign"), default=False)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("mediation signature")
        verbose_name_plural = _("mediation signatures")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=True, agreement__isnull=False)
                | Q(session__isnull=False, agreement__isnull=True),
                name="mediation_signature_on_one_record",
            ),
            models.CheckConstraint(
                condition=Q(party__isnull=True, user__isnull=False)
                | Q(party__isnull=False, user__isnull=True),
                name="mediation_signature_one_signer",
            ),
            models.CheckConstraint(
                condition=(Q(refused=True) & Q(signed_at__isnull=True))
                | (Q(refused=False) & Q(signed_at__isnull=False)),
                name="mediation_signature_signed_xor_refused",
            ),
            models.UniqueConstraint(
                fields=["session", "party"],
                condition=Q(session__isnull=False, party__isnull=False),
                name="session_party_signs_once",
            ),
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(session__isnull=False, user__isnull=False),
                name="session_user_signs_once",
            ),
            models.UniqueConstraint(
                fields=["agreement", "party"],
                condition=Q(agreement__isnull=False, party__isnull=False),
                name="agreement_party_signs_once",
            ),
            models.UniqueConstraint(
                fields=["agreement", "user"],
                condition=Q(agreement__isnull=False, user__isnull=False),
                name="agreement_user_signs_once",
            ),
        ]

    def __str__(self):
        return f"{self.name}: {'refused' if self.refused else self.signed_at}"


class Extension(models.Model):
    """The time limit extended with both sides' consent."""

    mediation = models.ForeignKey(
        Mediation, verbose_name=_("mediation"), on_delete=models.PROTECT, related_name="extensions"
    )
    previous_due = models.DateField(_("previous time limit"))
    new_due = models.DateField(_("new time limit"))
    reason = models.TextField(_("reason"), max_length=2000)
    consenting = models.ManyToManyField(
        Party, verbose_name=_("parties consenting"), related_name="+"
    )
    consent_manner = models.CharField(
        _("consent given"), max_length=16, choices=NoticeManner.choices
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("time limit extension")
        verbose_name_plural = _("time limit extensions")
        ordering = ["mediation_id", "id"]

    def __str__(self):
        return f"{self.previous_due} → {self.new_due}"


class Performance(models.TextChoices):
    PERFORMED = "performed", _("Performed in full")
    PARTLY = "partly", _("Partly performed")
    NOT_PERFORMED = "not_performed", _("Not performed")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class ReturnVisit(models.Model):
    """A return visit (回访): was the agreement performed, are the parties satisfied."""

    mediation = models.ForeignKey(
        Mediation,
        verbose_name=_("mediation"),
        on_delete=models.PROTECT,
        related_name="return_visits",
    )
    visited_on = models.DateField(_("visited on"))
    manner = models.CharField(_("how"), max_length=200)
    performance = models.CharField(_("performance"), max_length=16, choices=Performance.choices)
    satisfaction = models.CharField(_("satisfaction"), max_length=16, choices=Satisfaction.choices)
    later_suit = models.BooleanField(_("a party has since gone to court"), default=False)
    action_taken = models.TextField(_("action taken"), blank=True, max_length=5000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["mediation_id", "visited_on", "id"]

    def __str__(self):
        return f"{self.mediation.number} {self.visited_on}"


# ------------------------------------------------------------------ the dossier


@dataclass(frozen=True)
class DossierItem:
    PRESENT = "present"
    MISSING = "missing"
    NOT_APPLICABLE = "not_applicable"

    key: str
    title: str
    state: str
    detail: str = ""

    @property
    def state_label(self) -> str:
        return str(
            {
                self.PRESENT: _("present"),
                self.MISSING: _("missing"),
                self.NOT_APPLICABLE: _("not applicable"),
            }[self.state]
        )


def pending_signers(record) -> list[Signer]:
    """Who has still to sign ``record`` (a session or the agreement): its signers without
    a signature or a recorded refusal."""
    done = {(f"p{s.party_id}" if s.party_id else f"u{s.user_id}") for s in record.signatures.all()}
    return [signer for signer in record.signers() if signer.key not in done]


def _session_gaps(session: MediationSession) -> list[str]:
    return [signer.name for signer in pending_signers(session)]


def dossier_checklist(mediation: Mediation) -> list[DossierItem]:
    P, M, NA = DossierItem.PRESENT, DossierItem.MISSING, DossierItem.NOT_APPLICABLE
    items = []
    roles = set(mediation.case.parties.values_list("role", flat=True))
    items.append(
        DossierItem(
            "register",
            str(_("Application and register")),
            P if {PartyRole.APPLICANT, PartyRole.RESPONDENT} <= roles else M,
            "" if PartyRole.RESPONDENT in roles else str(_("no respondent recorded")),
        )
    )
    items.append(
        DossierItem(
            "notice",
            str(_("Rights and duties notice")),
            P if mediation.notice_given_at else M,
        )
    )
    sessions = list(
        mediation.sessions.select_related("mediator", "recorder").prefetch_related(
            "participants", "signatures"
        )
    )
    unsigned = []
    for session in sessions:
        gaps = _session_gaps(session)
        if gaps:
            unsigned.append(
                str(_("session %(n)d unsigned by %(names)s"))
                % {"n": session.number, "names": "、".join(gaps)}
            )
    if mediation.status == MediationStatus.ENDED and not sessions:
        # A party who declines before any session leaves no session to record.
        sessions_state = NA
    else:
        sessions_state = P if sessions and not unsigned else M
    items.append(
        DossierItem(
            "records",
            str(_("Mediation records")),
            sessions_state,
            "; ".join(unsigned) if sessions else str(_("no session recorded")),
        )
    )
    agreed = mediation.status == MediationStatus.AGREED
    ended = mediation.status == MediationStatus.ENDED
    items.append(
        DossierItem(
            "agreement",
            str(_("Mediation agreement")),
            NA if ended else (P if agreed else M),
        )
    )
    items.append(
        DossierItem(
            "routes",
            str(_("Routes the parties were told of")),
            NA if agreed else (P if ended and mediation.routes_told else M),
        )
    )
    items.append(
        DossierItem(
            "return_visit",
            str(_("Return-visit record")),
            NA if ended else (P if agreed and mediation.return_visits.exists() else M),
        )
    )
    items.append(
        DossierItem(
            "closing_report",
            str(_("Closing report")),
            P if mediation.closing_report_at else M,
        )
    )
    meetings = list(mediation.case.meetings.filter(status__in=["held", "closed"]))
    if not meetings:
        items.append(DossierItem("minutes", str(_("Minutes of linked meetings")), NA))
    else:
        without = [
            m.reference
            for m in meetings
            if not m.minutes.filter(status__in=["approved", "archived"]).exists()
        ]
        items.append(
            DossierItem(
                "minutes",
                str(_("Minutes of linked meetings")),
                M if without else P,
                str(_("no approved minutes for %(refs)s")) % {"refs": ", ".join(without)}
                if without
                else "",
            )
        )
    return items
