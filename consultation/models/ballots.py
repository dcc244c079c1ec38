"""Owner-consent ballots (Civil Code Art. 278; DOMAIN.md §6): the rule sets (versioned data),
the campaign and its lifecycle, the frozen electorate, the ballots and objections."""

from __future__ import annotations

import datetime as dt
import uuid
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, transition
from simple_history.models import HistoricalRecords

from casework.models import Case, Flat, Place
from consultation import permissions, statute
from core.exceptions import ImmutableRecord
from core.fields import StateField


def _fraction_validator(value: str) -> None:
    try:
        f = Fraction(value)
    except (ValueError, ZeroDivisionError) as exc:
        raise ValidationError(_("Write a fraction such as 2/3 or 1/2.")) from exc
    if not 0 < f <= 1:
        raise ValidationError(_("The threshold must be above 0 and at most 1."))


class BallotRuleSet(models.Model):
    """Thresholds as data, versioned: a rule set in use is never edited, a new version is
    added instead. A rule set is the statutory floor (``statute.statutory_floor``) or
    stricter: higher thresholds, "more than" for "at least", or "no explicit objection"
    (a street's stricter local rule) — never below it."""

    code = models.SlugField(_("code"), max_length=50)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    participation_area = models.CharField(
        _("participation by area"), max_length=12, validators=[_fraction_validator]
    )
    participation_area_inclusive = models.BooleanField(_("at least (not more than)"), default=True)
    participation_heads = models.CharField(
        _("participation by headcount"), max_length=12, validators=[_fraction_validator]
    )
    participation_heads_inclusive = models.BooleanField(_("at least (not more than)"), default=True)
    approval_area = models.CharField(
        _("approval by area"), max_length=12, validators=[_fraction_validator]
    )
    approval_area_inclusive = models.BooleanField(_("at least (not more than)"), default=True)
    approval_heads = models.CharField(
        _("approval by headcount"), max_length=12, validators=[_fraction_validator]
    )
    approval_heads_inclusive = models.BooleanField(_("at least (not more than)"), default=True)
    no_explicit_objection = models.BooleanField(
        _("fails on any explicit objection"),
        default=False,
        help_text=_("A stricter local rule: the matter fails if any owner explicitly objects."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ballot rule set")
        verbose_name_plural = _("ballot rule sets")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="ruleset_version_once"),
        ]

    def __str__(self):
        return f"{self.name} (v{self.version})"

    def save(self, *args, **kwargs):
        if self.pk and BallotCampaign.objects.filter(rule_set_id=self.pk).exists():
            raise ImmutableRecord(
                _("This rule set is in use: add a new version instead of editing it.")
            )
        super().save(*args, **kwargs)

    def as_rule(self) -> dict:
        return {
            "code": self.code,
            "version": self.version,
            "name": self.name,
            "participation_area": self.participation_area,
            "participation_area_inclusive": self.participation_area_inclusive,
            "participation_heads": self.participation_heads,
            "participation_heads_inclusive": self.participation_heads_inclusive,
            "approval_area": self.approval_area,
            "approval_area_inclusive": self.approval_area_inclusive,
            "approval_heads": self.approval_heads,
            "approval_heads_inclusive": self.approval_heads_inclusive,
            "no_explicit_objection": self.no_explicit_objection,
            "source": self.source,
        }

    def clean(self):
        # No matter may be decided below 民法典 Art. 278 ¶2's lowest floor; whether the rule
        # suits a given matter is checked where the two meet (BallotCampaign.clean).
        problems = statute.rule_problems(self.as_rule(), statute.lowest_floor())
        if problems:
            raise ValidationError(problems)


class Matter(models.TextChoices):
    """The Civil Code Art. 278 list. The first three need 3/4; the rest more than 1/2."""

    ELEVATOR = "elevator", _("Elevator retrofit (altering the building)")
    REBUILD = "rebuild", _("Rebuilding or altering buildings and their facilities")
    RAISE_FUND = "raise_fund", _("Raising the maintenance fund")
    CHANGE_USE = "change_use", _("Changing the use of common parts")
    USE_FUND = "use_fund", _("Using the maintenance fund")
    HIRE_PROPERTY = "hire_property", _("Hiring or dismissing the property company")
    ELECT_COMMITTEE = "elect_committee", _("Electing the owners' committee")
    OTHER = "other", _("Other common matter")


MAJOR_MATTERS = frozenset(Matter(code) for code in statute.MAJOR_MATTER_CODES)


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ANNOUNCED = "announced", _("Announced")
    COLLECTING = "collecting", _("Collecting ballots")
    COUNTED = "counted", _("Counted")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    PUBLISHED = "published", _("Result published")
    EFFECTIVE = "effective", _("Effective")


def _has_scope_flats(campaign: BallotCampaign) -> bool:
    return Flat.objects.filter(place__path__startswith=campaign.scope.path).exists()


_has_scope_flats.message = _("The scope has no flats: enter the flats before opening.")


def rule_below_floor(campaign: BallotCampaign) -> list[str]:
    """What is unlawful in the rule this ballot would count by (its frozen copy once open,
    else its rule set), for its matter (民法典 Art. 278 ¶2)."""
    rule = campaign.rule or campaign.rule_set.as_rule()
    return statute.rule_problems(rule, statute.statutory_floor(campaign.matter))


def _rule_lawful(campaign: BallotCampaign) -> bool:
    return not rule_below_floor(campaign)


_rule_lawful.message = _(
    "The rule set is below the statutory floor for this matter (Civil Code Art. 278 ¶2): "
    "choose a lawful rule set first."
)


def _may_count(campaign: BallotCampaign) -> bool:
    if timezone.localdate() > campaign.closes_on:
        return True
    entries = campaign.electorate.all()
    return entries.exists() and not entries.filter(ballots__isnull=True).exists()


_may_count.message = _(
    "The ballot has not closed yet: it is counted after its closing day, or earlier only "
    "when every unit has voted."
)


def _tally_passed(campaign: BallotCampaign) -> bool:
    return bool(campaign.tally and campaign.tally.get("verdict"))


_tally_passed.message = _("The tally did not pass.")


def _tally_failed(campaign: BallotCampaign) -> bool:
    return bool(campaign.tally) and not campaign.tally.get("verdict")


_tally_failed.message = _("The tally passed.")


def _window_over(campaign: BallotCampaign) -> bool:
    return (
        campaign.objection_deadline is not None
        and campaign.objection_deadline < timezone.localdate()
        and campaign.outcome_passed
    )


_window_over.message = _("The objection window is still open, or the ballot failed.")


def _plan_publicised(campaign: BallotCampaign) -> bool:
    """An elevator plan takes effect only after its planning publicity and then its comment
    period have both run their course (DOMAIN.md §6: two steps, two settings)."""
    if campaign.matter != Matter.ELEVATOR:
        return True
    ended = {
        p.kind
        for p in campaign.publicities.all()
        if p.kind in ("planning", "comments") and p.ends_on < timezone.localdate()
    }
    return ended == {"planning", "comments"}


_plan_publicised.message = _(
    "An elevator plan takes effect after its planning publicity and its comment period "
    "have both ended."
)


class BallotCampaign(ConcurrentTransitionMixin, models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="ballots"
    )
    matter = models.CharField(_("matter"), max_length=20, choices=Matter.choices)
    title = models.CharField(_("question put to the owners"), max_length=300)
    scope = models.ForeignKey(
        Place,
        verbose_name=_("scope (building, stairwell or estate)"),
        on_delete=models.PROTECT,
        related_name="ballots",
    )
    rule_set = models.ForeignKey(
        BallotRuleSet, verbose_name=_("rule set"), on_delete=models.PROTECT, related_name="+"
    )
    # The rule as it stood when the ballot opened (the rule set's row is immutable once
    # used anyway; the copy makes the archived result self-contained).
    rule = models.JSONField(_("rule applied"), null=True, blank=True, editable=False)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    status = StateField(_("status"), choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    tally = models.JSONField(_("tally"), null=True, blank=True, editable=False)
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    objection_deadline = models.DateField(_("objections until"), null=True, blank=True)
    # Elevators: the cost-sharing coefficient per floor ({"1": "0", "2": "1", ...}); floors
    # not listed pay at coefficient 1, the ground floor is exempt unless listed.
    floor_coefficients = models.JSONField(_("cost coefficient per floor"), default=dict, blank=True)
    total_cost_cents = models.PositiveBigIntegerField(_("total cost (fen)"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    version = models.PositiveIntegerField(_("revision"), default=1, editable=False)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="ballot_dates_ordered"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def place(self):
        """Scoping and permissions follow the case's place (as for meetings)."""
        return self.case.place

    @property
    def outcome_passed(self) -> bool:
        return bool(self.tally and self.tally.get("verdict"))

    @property
    def is_major(self) -> bool:
        return self.matter in MAJOR_MATTERS

    def clean(self):
        if self.rule_set_id and self.matter:
            problems = rule_below_floor(self)
            if problems:
                raise ValidationError({"rule_set": problems})

    @transition(
        field=status,
        source=CampaignStatus.DRAFT,
        target=CampaignStatus.ANNOUNCED,
        permission=permissions.can_run_ballot,
        custom={"label": _("Announce"), "public": True},
    )
    def announce(self, **_params):
        pass

    @transition(
        field=status,
        source=CampaignStatus.ANNOUNCED,
        target=CampaignStatus.COLLECTING,
        conditions=[_has_scope_flats, _rule_lawful],
        permission=permissions.can_run_ballot,
        custom={"label": _("Open and freeze the electorate")},
    )
    def open(self, **_params):
        self.rule = self.rule_set.as_rule()

    @transition(
        field=status,
        source=CampaignStatus.COLLECTING,
        target=CampaignStatus.COUNTED,
        conditions=[_rule_lawful, _may_count],
        permission=permissions.can_run_ballot,
        custom={"label": _("Close and count")},
    )
    def count(self, *, tally: dict | None = None, **_params):
        self.tally = tally
        self.counted_at = timezone.now()

    @transition(
        field=status,
        source=CampaignStatus.COUNTED,
        target=CampaignStatus.PASSED,
        conditions=[_tally_passed],
        permission=permissions.can_run_ballot,
        custom={"label": _("Declare passed")},
    )
    def declare_passed(self, **_params):
        pass

    @transition(
        field=status,
        source=CampaignStatus.COUNTED,
        target=CampaignStatus.FAILED,
        conditions=[_tally_failed],
        permission=permissions.can_run_ballot,
        custom={"label": _("Declare failed")},
    )
    def declare_failed(self, **_params):
        pass

    @transition(
        field=status,
        source=[CampaignStatus.PASSED, CampaignStatus.FAILED],
        target=CampaignStatus.PUBLISHED,
        permission=permissions.can_run_ballot,
        custom={"label": _("Publish the result"), "public": True},
    )
    def publish(self, *, window: tuple[dt.date, dt.date] | None = None, **_params):
        self.objection_deadline = window[1] if window else None

    @transition(
        field=status,
        source=CampaignStatus.PUBLISHED,
        target=CampaignStatus.EFFECTIVE,
        conditions=[_window_over, _plan_publicised],
        permission=permissions.can_run_ballot,
        custom={"label": _("Make effective"), "public": True},
    )
    def make_effective(self, **_params):
        pass


class ElectorateEntry(models.Model):
    """One flat as it stood when the ballot opened (later changes to the flat do not
    reach an open ballot)."""

    campaign = models.ForeignKey(
        BallotCampaign,
        verbose_name=_("ballot"),
        on_delete=models.PROTECT,
        related_name="electorate",
    )
    flat = models.ForeignKey(
        Flat, verbose_name=_("flat"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    building = models.CharField(_("building"), max_length=200)
    number = models.CharField(_("flat number"), max_length=20)
    floor = models.SmallIntegerField(_("floor"))
    area_m2 = models.DecimalField(_("exclusive floor area (m²)"), max_digits=8, decimal_places=2)
    owners = models.JSONField(_("owners"), default=list)
    # The owners as persons when the ballot opened ([{"id", "name", "kind"}]) and the head
    # (法释〔2009〕7号 Art. 9) the unit counts towards: one buyer of several units is one.
    holders = models.JSONField(_("owners as persons"), default=list)
    head = models.CharField(_("counted as owner"), max_length=200, blank=True)
    developer_unsold = models.BooleanField(_("developer's unsold unit"), default=False)
    paper_code = models.UUIDField(_("paper form code"), default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("electorate entry")
        verbose_name_plural = _("electorate")
        ordering = ["building", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "flat"], name="electorate_flat_once"),
        ]

    def __str__(self):
        return f"{self.building} {self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord(_("The electorate is frozen when the ballot opens."))
        super().save(*args, **kwargs)


class BallotChoice(models.TextChoices):
    AGREE = "agree", _("Agree")
    OBJECT = "object", _("Object")
    ABSTAIN = "abstain", _("Abstain")


def _proxy_path(instance, filename):
    return f"ballots/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{instance.proxy_extension}"


class SignerKind(models.TextChoices):
    OWNER = "owner", _("the owner")
    CO_OWNER = "co_owner", _("a co-owner")
    PROXY = "proxy", _("a proxy with a written mandate")


class Ballot(models.Model):
    """One unit's vote, and who signed it (法释〔2009〕7号 Art. 9: co-owners of a unit are one
    owner, so a unit votes once). ``owner`` is only set on papers from before that rule,
    when a rule set could let each co-owner vote."""

    entry = models.ForeignKey(
        ElectorateEntry, verbose_name=_("flat"), on_delete=models.PROTECT, related_name="ballots"
    )
    owner = models.CharField(_("owner (when each co-owner votes)"), max_length=100, blank=True)
    choice = models.CharField(_("choice"), max_length=8, choices=BallotChoice.choices)
    objection_reason = models.TextField(_("reason for objecting"), blank=True, max_length=2000)
    signer_kind = models.CharField(
        _("signed by"), max_length=10, choices=SignerKind.choices, blank=True
    )
    signer_name = models.CharField(_("signer's name"), max_length=100, blank=True)
    by_proxy = models.BooleanField(_("cast by proxy"), default=False)
    proxy_evidence = models.FileField(
        _("proxy evidence"), upload_to=_proxy_path, blank=True, max_length=200
    )
    proxy_content_type = models.CharField(max_length=100, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collected by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    collected_at = models.DateTimeField(_("collected at"), default=timezone.now)

    class Meta:
        verbose_name = _("ballot paper")
        verbose_name_plural = _("ballot papers")
        ordering = ["entry", "owner"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "owner"], name="ballot_once_per_voter"),
            models.CheckConstraint(
                condition=~Q(choice="object") | ~Q(objection_reason=""),
                name="ballot_objection_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.entry}: {self.choice}"

    @property
    def proxy_extension(self) -> str:
        return {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}.get(
            self.proxy_content_type, ".bin"
        )
