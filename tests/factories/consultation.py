"""factory-boy factories for consultation — meetings, minutes, owner ballots, people's
mediation, its sessions and agreement — each with a trait per state.

A state is reached one of two ways, said in each factory's docstring:

- **Through the services**, where reaching it leaves traces a test may read: entries on
  the case's log, the record's version, a frozen snapshot, an archived PDF with its
  checksum, a mediation number, a frozen electorate, an exact tally. Those traits call the
  services the pages call, as the record's staff would, so they leave what the product
  leaves — and a trait the product refuses fails loudly instead of faking a state.
- **As rows**, where a state is only a column's value and nothing else depends on how it
  was reached: a meeting's state (a transition stamps a date or a reason and writes one
  note on the case's log) and minutes given a bare ``status=``. The transition tables need
  exactly that: a record in each state with no history, at version 1.

The actor is the case's officer when it has one (the ``case`` fixture's ``mediator``), else
a new mediator of the case's organisation (``staff_of``); pass ``actor=`` (for meetings
and minutes ``created_by=``) to act as someone else.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from casework.models import Case, FlatOwner, Party, PartyRole, PlaceKind
from casework.roles import Role
from consultation import services as ballot_services
from consultation import services as mediation_services
from consultation import services as meeting_services
from consultation.models import (
    Agreement,
    BallotCampaign,
    BallotRuleSet,
    CampaignStatus,
    Invitee,
    InviteeCategory,
    Matter,
    Mediation,
    MediationSession,
    MediationStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Owner,
    OwnerKind,
    Ownership,
    Publicity,
    PublicityKind,
    Signature,
)
from tests.factories.casework import (
    CaseFactory,
    FlatFactory,
    MembershipFactory,
    PartyFactory,
    PlaceFactory,
    UserFactory,
)
from tests.jobs import run_archive_jobs


def staff_of(case: Case):
    """Someone who may act on ``case``'s meetings, ballots and mediation: its officer if it
    has one, else a new mediator of its organisation — which is given the case's place if
    it covers none yet (a bare ``CaseFactory``'s organisation covers nothing)."""
    if case.assigned_officer_id:
        return case.assigned_officer
    organisation = case.organisation
    if not organisation.places.exists():
        organisation.places.add(case.place)
    user = UserFactory()
    MembershipFactory(user=user, organisation=organisation, role=Role.MEDIATOR)
    return user


def _open_case() -> Case:
    return CaseFactory(in_progress=True)


def _a_week_ago() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=7)


# -------------------------------------------------------------------- meetings


class InviteeFactory(factory.django.DjangoModelFactory):
    """An invitee who came (``attended=None`` before attendance is taken)."""

    class Meta:
        model = Invitee

    meeting = factory.SubFactory("tests.factories.consultation.MeetingFactory")
    category = InviteeCategory.RESIDENT
    name = factory.Sequence(lambda n: f"居民{n + 1}")
    attended = True


class MeetingFactory(factory.django.DjangoModelFactory):
    """A meeting on ``case`` (``cases=[...]`` for several), called by its staff, with
    ``invitees=N`` residents 居民1…N marked present.

    States are rows (see the module's docstring): ``held=True`` is the meeting the pages
    and the services see after its transitions — its notice date stamped, a postponement's
    or a cancellation's reason given — at version 1 and with nothing on the case's log.
    """

    class Meta:
        model = Meeting

    class Params:
        notice_published = factory.Trait(
            status=MeetingStatus.NOTICE_PUBLISHED,
            notice_date=factory.LazyFunction(timezone.localdate),
        )
        held = factory.Trait(
            status=MeetingStatus.HELD,
            starts_at=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2)),
            notice_date=factory.LazyFunction(_a_week_ago),
        )
        closed = factory.Trait(
            status=MeetingStatus.CLOSED,
            starts_at=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2)),
            notice_date=factory.LazyFunction(_a_week_ago),
        )
        postponed = factory.Trait(
            status=MeetingStatus.POSTPONED, status_reason="会议室漏水，改期举行。"
        )
        cancelled = factory.Trait(
            status=MeetingStatus.CANCELLED, status_reason="双方已自行协商解决。"
        )

    cases = None  # popped in _create: every linked case, when there are several
    case = factory.LazyAttribute(lambda o: o.cases[0] if o.cases else _open_case())  # popped
    invitees = 0  # popped in _create
    kind = MeetingKind.COORDINATION
    topic = "3号楼加装电梯协调"
    place = factory.SelfAttribute("case.place")
    convening_organisation = factory.SelfAttribute("case.organisation")
    chair = "张晓燕"
    recorder = "李国强"
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=10))
    venue = "番禺居委会会议室"
    status = MeetingStatus.PLANNED
    created_by = factory.LazyAttribute(lambda o: staff_of(o.case))

    @classmethod
    def _create(cls, model_class, *args, case, cases, invitees, **kwargs):
        meeting = super()._create(model_class, *args, **kwargs)
        meeting.cases.set(cases or [case])
        for i in range(invitees):
            InviteeFactory(meeting=meeting, name=f"居民{i + 1}")
        return meeting


class MinutesFactory(factory.django.DjangoModelFactory):
    """The minutes of a closed meeting (two attendees by default).

    The traits go through the services as the meeting's staff: ``circulated``; ``signed``
    (circulated, and every attendee's signature recorded); ``approved`` (signed, then
    approved — the snapshot frozen, the PDF/A rendered and archived with its checksum,
    the version and the case's log moved as the product moves them); ``archived``
    (approved, then marked filed by an archivist of the area).

    A bare ``status=`` sets the column only: a row in that state with no signatures, no
    snapshot and no archive record, for tests of the next single transition.
    """

    class Meta:
        model = Minutes

    class Params:
        circulated = factory.Trait(walk_to=MinutesStatus.CIRCULATED)
        signed = factory.Trait(walk_to=MinutesStatus.CIRCULATED, sign=True)
        approved = factory.Trait(walk_to=MinutesStatus.APPROVED, sign=True)
        archived = factory.Trait(walk_to=MinutesStatus.ARCHIVED, sign=True)

    walk_to = MinutesStatus.DRAFT  # popped in _create
    sign = False  # popped in _create
    meeting = factory.SubFactory(MeetingFactory, closed=True, invitees=2)
    number = 1
    summary = "会议纪要摘要。"
    status = MinutesStatus.DRAFT
    created_by = factory.SelfAttribute("meeting.created_by")

    @classmethod
    def _create(cls, model_class, *args, walk_to, sign, **kwargs):
        if walk_to != MinutesStatus.DRAFT and kwargs["status"] != MinutesStatus.DRAFT:
            raise ValueError("Give a trait (through the services) or status= (a row), not both.")
        # The draft as minutes_draft writes it (which would refuse a correction's number 2).
        minutes = super()._create(model_class, *args, **kwargs)
        if walk_to == MinutesStatus.DRAFT:
            return minutes
        actor = minutes.created_by
        minutes = meeting_services.minutes_transition(
            minutes=minutes, name="circulate", actor=actor
        )
        if sign:
            for attendee in minutes.meeting.invitees.filter(attended=True):
                meeting_services.signature_record(
                    minutes=minutes, actor=actor, invitee=attendee, refused=False
                )
        if walk_to in (MinutesStatus.APPROVED, MinutesStatus.ARCHIVED):
            minutes = meeting_services.minutes_transition(
                minutes=minutes, name="approve", actor=actor
            )
            run_archive_jobs()  # the worker files the PDF after the commit
        if walk_to == MinutesStatus.ARCHIVED:
            archivist = UserFactory()
            MembershipFactory(
                user=archivist,
                organisation=minutes.meeting.convening_organisation,
                role=Role.ARCHIVIST,
            )
            minutes = meeting_services.minutes_transition(
                minutes=minutes, name="archive", actor=archivist
            )
        return minutes


class SignatureFactory(factory.django.DjangoModelFactory):
    """An attendee's signature on minutes, as a row (``signature_record`` checks the
    minutes are circulated; the transition tables need one in every state)."""

    class Meta:
        model = Signature

    minutes = factory.SubFactory(MinutesFactory)
    invitee = factory.LazyAttribute(lambda o: o.minutes.meeting.invitees.first())
    signed_at = factory.LazyFunction(timezone.now)
    recorded_by = factory.SelfAttribute("minutes.created_by")


# ---------------------------------------------------------------------- ballots


class FlatOwnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FlatOwner

    flat = factory.SubFactory(FlatFactory)
    name = factory.LazyAttribute(lambda o: f"业主{o.flat.number}")


class StairwellFactory(PlaceFactory):
    """A stairwell with ``floors`` floors of two flats each, 60 and 90 m² (x01 and x02),
    each with one owner 业主x01 / 业主x02 — the electorate of an elevator ballot."""

    class Meta:
        skip_postgeneration_save = True

    kind = PlaceKind.STAIRWELL
    name = factory.Sequence(lambda n: f"{n + 1}单元")
    parent = factory.SubFactory(PlaceFactory, kind=PlaceKind.BUILDING)

    @factory.post_generation
    def floors(self, create, extracted, **kwargs):
        for floor in range(1, (extracted or 0) + 1):
            for number, area in (("01", "60.00"), ("02", "90.00")):
                flat = FlatFactory(place=self, number=f"{floor}{number}", floor=floor, area_m2=area)
                FlatOwnerFactory(flat=flat)
                own(flat, f"业主{flat.number}")


def own(flat, *names: str, developer: bool = False) -> list[Owner]:
    """Register ``names`` as the owners of ``flat`` (persons; equal shares), reusing an owner
    of that name already registered in the same place — one person, several units. With
    ``developer``: the developer's unsold unit."""
    owners = []
    for name in names:
        owner = Owner.objects.filter(
            name=name, ownerships__flat__place=flat.place, is_developer=developer
        ).first() or Owner.objects.create(
            name=name,
            kind=OwnerKind.ORGANISATION if developer else OwnerKind.PERSON,
            is_developer=developer,
        )
        Ownership.objects.create(
            owner=owner, flat=flat, share=(Decimal(1) / len(names)).quantize(Decimal("0.0001"))
        )
        owners.append(owner)
    return owners


def major_rule() -> BallotRuleSet:
    """The Civil Code Art. 278 rule for major matters (seeded by a data migration)."""
    return BallotRuleSet.objects.get(code="civil-code-278-major", version=1)


# The transitions that take a draft ballot to each state; "declare" declares as the tally
# says (passed, unless the votes fail it).
_OPENED = ["announce", "open"]
_BALLOT_PATHS = {
    CampaignStatus.DRAFT: [],
    CampaignStatus.ANNOUNCED: ["announce"],
    CampaignStatus.COLLECTING: _OPENED,
    CampaignStatus.COUNTED: [*_OPENED, "count"],
    CampaignStatus.PASSED: [*_OPENED, "count", "declare_passed"],
    CampaignStatus.FAILED: [*_OPENED, "count", "declare_failed"],
    CampaignStatus.PUBLISHED: [*_OPENED, "count", "declare", "publish"],
    CampaignStatus.EFFECTIVE: [*_OPENED, "count", "declare_passed", "publish", "make_effective"],
}


class BallotCampaignFactory(factory.django.DjangoModelFactory):
    """An owner ballot on ``case`` over a stairwell of six floors (``scope=`` for another),
    made with ``ballot_create`` and moved by ``ballot_transition`` as the case's staff:
    ``announced``; ``collecting`` (opened: the electorate frozen from the flats);
    ``counted`` (the ``votes`` entered with ``ballot_record``, then the exact tally);
    ``passed`` / ``failed`` (declared); ``published`` (declared as the tally says, the
    result sheet archived); ``effective`` (passed, published, and the objection window let
    pass — its deadline moved to yesterday, as time would — then made effective).

    ``votes`` are the choices in the electorate's order (floor, then flat), ``None`` for a
    flat that did not vote; by default every flat agrees, and for ``failed`` none votes.
    """

    class Meta:
        model = BallotCampaign

    class Params:
        announced = factory.Trait(walk_to=CampaignStatus.ANNOUNCED)
        collecting = factory.Trait(walk_to=CampaignStatus.COLLECTING)
        counted = factory.Trait(walk_to=CampaignStatus.COUNTED)
        passed = factory.Trait(walk_to=CampaignStatus.PASSED)
        failed = factory.Trait(walk_to=CampaignStatus.FAILED, votes=())
        published = factory.Trait(walk_to=CampaignStatus.PUBLISHED)
        effective = factory.Trait(walk_to=CampaignStatus.EFFECTIVE)

    walk_to = CampaignStatus.DRAFT  # popped in _create
    votes = None  # popped in _create
    actor = factory.LazyAttribute(lambda o: staff_of(o.case))  # popped in _create
    case = factory.LazyFunction(_open_case)
    matter = Matter.ELEVATOR
    title = "1单元是否加装电梯"
    scope = factory.SubFactory(
        StairwellFactory, parent=factory.SelfAttribute("..case.place"), floors=6
    )
    rule_set = factory.LazyFunction(major_rule)
    opens_on = factory.LazyFunction(timezone.localdate)
    closes_on = factory.LazyAttribute(lambda o: o.opens_on + dt.timedelta(days=19))

    @classmethod
    def _create(cls, model_class, *args, walk_to, votes, actor, **kwargs):
        campaign = ballot_services.ballot_create(actor=actor, **kwargs)
        for name in _BALLOT_PATHS[walk_to]:
            if name == "count":
                vote(campaign, actor, votes)
                if campaign.electorate.filter(ballots__isnull=True).exists():
                    # Not every unit voted: count after the closing day, as time would.
                    BallotCampaign.objects.filter(pk=campaign.pk).update(
                        opens_on=timezone.localdate() - dt.timedelta(days=20),
                        closes_on=timezone.localdate() - dt.timedelta(days=1),
                    )
                    campaign.refresh_from_db()
            elif name == "declare":
                name = "declare_passed" if campaign.outcome_passed else "declare_failed"
            elif name == "make_effective":  # the notices have run their course
                pass_publicity(campaign, actor)
            campaign = ballot_services.ballot_transition(campaign=campaign, name=name, actor=actor)
            if name == "publish":
                run_archive_jobs()  # the worker files the result sheet after the commit
        return campaign


def pass_publicity(campaign: BallotCampaign, actor) -> None:
    """Let a published ballot's notices run their course, as time would: the result's
    objection window ended yesterday and, for an elevator, the planning publicity and the
    comment period were posted after it and have ended too."""
    today = timezone.localdate()
    BallotCampaign.objects.filter(pk=campaign.pk).update(
        objection_deadline=today - dt.timedelta(days=1)
    )
    Publicity.objects.filter(campaign=campaign, kind=PublicityKind.BALLOT_RESULT).update(
        starts_on=today - dt.timedelta(days=30), ends_on=today - dt.timedelta(days=24)
    )
    if campaign.matter == Matter.ELEVATOR:
        for kind, first, last in (
            (PublicityKind.PLANNING, 23, 12),
            (PublicityKind.COMMENTS, 11, 1),
        ):
            Publicity.objects.create(
                kind=kind,
                campaign=campaign,
                summary=campaign.title,
                starts_on=today - dt.timedelta(days=first),
                ends_on=today - dt.timedelta(days=last),
                days=first - last + 1,
                day_basis="calendar",
                created_by=actor,
            )
    campaign.refresh_from_db()


def vote(campaign: BallotCampaign, actor, choices=None) -> None:
    """Enter ballots with ``ballot_record``: ``choices`` in the electorate's order (floor,
    then flat), ``None`` for a flat that does not vote; ``None`` for all: every flat
    agrees. An objection gives its reason (采光受影响)."""
    entries = list(campaign.electorate.order_by("floor", "number"))
    if choices is None:
        choices = ["agree"] * len(entries)
    for entry, choice in zip(entries, choices, strict=False):
        if choice:
            ballot_services.ballot_record(
                campaign=campaign,
                actor=actor,
                entry=entry,
                choice=choice,
                objection_reason="采光受影响" if choice == "object" else "",
            )


# -------------------------------------------------------------------- mediation


def sides(case: Case) -> tuple[Party, Party]:
    """The case's first applicant and first respondent."""
    parties = case.parties.order_by("pk")
    return (
        parties.filter(role=PartyRole.APPLICANT).first(),
        parties.filter(role=PartyRole.RESPONDENT).first(),
    )


class MediationFactory(factory.django.DjangoModelFactory):
    """People's mediation of ``case`` (open), through the mediation services as the case's
    staff, who is its mediator.

    Registered with ``mediation_register`` (the year's next number, the public entry on
    the case's log). A case with neither an applicant nor a respondent first gets both:
    王秀兰 (3号楼201) and 陈建国 (3号楼301) — ``with_parties=False`` leaves it as it is.
    ``mediating``: the rights notice recorded, then started (its time limit set).
    ``agreed``: mediating, one session recorded and signed by everyone
    (``MediationSessionFactory(signed=True)``), the agreement drafted, signed and sealed
    (``AgreementFactory(in_effect=True)``) so that it takes effect and is archived.
    ``ended``: ended without agreement, the parties told of litigation.
    On an agreed mediation, ``visited=True`` records a return visit (performed, satisfied)
    and ``closing_report=`` writes the closing report.
    """

    class Meta:
        model = Mediation

    class Params:
        mediating = factory.Trait(walk_to=MediationStatus.MEDIATING)
        agreed = factory.Trait(walk_to=MediationStatus.AGREED)
        ended = factory.Trait(walk_to=MediationStatus.ENDED)

    walk_to = MediationStatus.REGISTERED  # the rest popped in _create
    with_parties = True
    visited = False
    closing_report = ""
    case = factory.LazyFunction(_open_case)
    actor = factory.LazyAttribute(lambda o: staff_of(o.case))
    mediators = factory.LazyAttribute(lambda o: [o.actor])
    matters = "楼上漏水，请求赔偿维修费用"
    applied_on = None

    @classmethod
    def _create(
        cls, model_class, *, walk_to, with_parties, visited, closing_report, case, actor, **kw
    ):
        applicant, respondent = sides(case)
        if with_parties and applicant is None and respondent is None:
            PartyFactory(case=case, role=PartyRole.APPLICANT, name="王秀兰", address="3号楼201")
            PartyFactory(case=case, role=PartyRole.RESPONDENT, name="陈建国", address="3号楼301")
        record = mediation_services.mediation_register(case=case, actor=actor, **kw)
        if walk_to != MediationStatus.REGISTERED:
            mediation_services.notice_record(
                mediation=record,
                actor=actor,
                given_at=timezone.now() - dt.timedelta(minutes=5),
                manner="written",
                note="双方签收权利义务告知书",
            )
            record = mediation_services.mediation_transition(
                mediation=record, name="start", actor=actor
            )
        if walk_to == MediationStatus.ENDED:
            record = mediation_services.mediation_transition(
                mediation=record,
                name="end_without_agreement",
                actor=actor,
                reason="no_agreement",
                routes=["litigation"],
            )
        if walk_to == MediationStatus.AGREED:
            MediationSessionFactory(mediation=record, actor=actor, signed=True)
            AgreementFactory(mediation=record, actor=actor, in_effect=True)
            record.refresh_from_db()
        if visited:
            mediation_services.return_visit_record(
                mediation=record,
                actor=actor,
                visited_on=timezone.localdate(),
                manner="电话回访",
                performance="performed",
                satisfaction="satisfied",
            )
        if closing_report:
            mediation_services.closing_report_write(
                mediation=record, actor=actor, text=closing_report
            )
        if visited or closing_report:
            record.refresh_from_db()
        return record


class MediationSessionFactory(factory.django.DjangoModelFactory):
    """A session record of a mediation under way (``session_record``): held a minute ago,
    the applicant and the respondent present, the mediator also its recorder.
    ``signed=True``: every signer signs with ``sign`` — the parties through the mediator,
    the mediator and the recorder each for themselves."""

    class Meta:
        model = MediationSession

    class Params:
        signed = factory.Trait(sign_all=True)

    sign_all = False  # popped in _create
    mediation = factory.SubFactory(MediationFactory, mediating=True)
    actor = factory.LazyAttribute(lambda o: o.mediation.mediators.order_by("pk").first())
    held_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=1))
    venue = "番禺居委会调解室"
    mediator = factory.SelfAttribute("actor")
    recorder = factory.SelfAttribute("actor")
    participants = factory.LazyAttribute(lambda o: list(sides(o.mediation.case)))
    applicant_account = "卫生间天花板渗水，已持续两周。"
    respondent_account = "同意检查防水层，愿意承担部分费用。"
    evidence = "现场照片三张，物业维修记录一份。"
    outcome = "双方同意由物业检测后按比例分担。"

    @classmethod
    def _create(cls, model_class, *, sign_all, actor, **kwargs):
        session = mediation_services.session_record(actor=actor, **kwargs)
        if sign_all:
            for signer in session.signers():
                mediation_services.sign(
                    record=session, actor=signer.user or actor, signer_key=signer.key
                )
        return session


class AgreementFactory(factory.django.DjangoModelFactory):
    """The agreement of a mediation under way, drafted with ``agreement_draft``: the
    respondent pays 一千二百元 and repairs, the applicant lets the repair in.
    ``signed``: (after a signed session record, if none is recorded yet) every party and
    the mediator sign (not yet in effect: the seal is
    missing). ``in_effect``: signed and sealed, so it takes effect as the product does it
    — the mediation agreed, its return visit due, the copies archived."""

    class Meta:
        model = Agreement

    class Params:
        signed = factory.Trait(sign_all=True)
        in_effect = factory.Trait(sign_all=True, seal=True)

    sign_all = False  # popped in _create
    seal = False  # popped in _create
    mediation = factory.SubFactory(MediationFactory, mediating=True)
    actor = factory.LazyAttribute(lambda o: o.mediation.mediators.order_by("pk").first())
    facts = "301室卫生间防水层老化，导致201室天花板渗水。"
    disputed_matters = "维修费用的承担。"
    performance_manner = "一次性支付维修费用；自行修复防水层"
    performance_place = "番禺居委会调解室"
    performance_deadline = factory.LazyFunction(
        lambda: timezone.localdate() + dt.timedelta(days=20)
    )
    obligations = factory.LazyAttribute(
        lambda o: [
            (sides(o.mediation.case)[1], "支付维修费用人民币一千二百元，并修复防水层。"),
            (sides(o.mediation.case)[0], "配合入户检修。"),
        ]
    )

    @classmethod
    def _create(cls, model_class, *, sign_all, seal, actor, **kwargs):
        agreement = mediation_services.agreement_draft(actor=actor, **kwargs)
        if (sign_all or seal) and not agreement.mediation.sessions.exists():
            # 人民调解法 Art. 27: the record comes first; an agreement is signed after it.
            MediationSessionFactory(mediation=agreement.mediation, actor=actor, signed=True)
        if sign_all:
            for party in agreement.mediation.case.parties.order_by("pk"):
                mediation_services.sign(record=agreement, actor=actor, signer_key=f"p{party.pk}")
            mediation_services.sign(record=agreement, actor=actor, signer_key=f"u{actor.pk}")
        if seal:
            mediation_services.agreement_seal(agreement=agreement, actor=actor)
        run_archive_jobs()  # in effect: the worker files the copies after the commit
        agreement.refresh_from_db()
        return agreement
