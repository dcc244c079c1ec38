"""People's mediation (人民调解, DOMAIN.md §4): the mediation of a case and its lifecycle,
the rights notice, session records, extensions of the time limit and return visits. The
agreement is in ``agreement``, signatures in ``signatures``, the dossier's checklist in
``dossier``.

Transition bodies only stamp fields on the mediation row; every write goes through
``consultation.services`` (``mediation``, ``agreement``, ``dossier``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition

from casework.calendar import add_months, legal_period_end
from casework.models import Case, Party, PartyRole
from consultation import permissions
from consultation.models.signatures import Signer, SignerRole
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
    """One case's people's mediation, numbered ``（2026）X人调字第N号``."""

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
        # Return visits (回访) owed on agreements in effect, soonest first (the dashboard).
        indexes = [
            models.Index(
                fields=["return_visit_due"],
                name="mediation_return_visit_queue",
                condition=Q(status="agreed"),
            )
        ]
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
    def agreement_or_none(self):
        """The agreement, or None before one is drafted."""
        return getattr(self, "agreement", None)

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == MediationStatus.MEDIATING
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )

    @property
    def routes_told_codes(self) -> list[Route]:
        """The routes the parties were told of (litigation, arbitration, administrative)."""
        flags = {
            Route.LITIGATION: self.told_litigation,
            Route.ARBITRATION: self.told_arbitration,
            Route.ADMINISTRATIVE: self.told_administrative,
        }
        return [route for route, told in flags.items() if told]

    @property
    def routes_told(self) -> list[str]:
        """The routes told, in the reader's language."""
        return [str(route.label) for route in self.routes_told_codes]

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
        # One month, as 民法典 Art. 202 counts months (01-31 → 02-28), not 30 days.
        self.due_date = add_months(today, mediation_setting("TIME_LIMIT_MONTHS"))

    @transition(
        field=status,
        source=MediationStatus.MEDIATING,
        target=MediationStatus.AGREED,
        conditions=[_agreement_complete],
        permission=permissions.can_mediate,
        custom={"label": _("Agreement takes effect"), "internal": True, "public": True},
    )
    def take_effect(self, **_params):
        self.ended_on = timezone.localdate()
        deadline = self.agreement.performance_deadline
        self.return_visit_due = legal_period_end(deadline, mediation_setting("RETURN_VISIT_DAYS"))

    @transition(
        field=status,
        source=[MediationStatus.REGISTERED, MediationStatus.MEDIATING],
        target=MediationStatus.ENDED,
        permission=permissions.can_mediate,
        custom={
            "label": _("End without agreement"),
            "needs": ["reason", "routes", "note"],
            "public": True,
        },
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
