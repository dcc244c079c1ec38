"""The consultation factories reach each state the way their docstrings say: the traits
through the services (so the case's log, versions, snapshots, archive records and numbers
are the product's), the meeting states and a bare ``status=`` as rows."""

import pytest

from casework.models import CaseEvent
from consultation.models import (
    ArchiveRecord,
    CampaignStatus,
    MediationStatus,
    MeetingStatus,
    MinutesStatus,
    dossier_missing_items,
)
from tests.factories import (
    AgreementFactory,
    BallotCampaignFactory,
    MediationFactory,
    MediationSessionFactory,
    MeetingFactory,
    MinutesFactory,
    StairwellFactory,
)


@pytest.mark.parametrize("state", [s.value for s in MeetingStatus])
def test_a_meeting_state_is_a_row_with_no_history(case, state):
    meeting = MeetingFactory(case=case, invitees=2, **({state: True} if state != "planned" else {}))
    assert meeting.status == state and meeting.version == 1
    assert (
        list(meeting.cases.all()) == [case] and meeting.invitees.filter(attended=True).count() == 2
    )
    assert not CaseEvent.objects.filter(case=case).exists()


def test_a_meeting_links_several_cases(world, mediator):
    from tests.factories import make_case

    cases = [
        make_case("in_progress", place=world.building_a, organisation=world.committee_a)
        for _ in range(2)
    ]
    meeting = MeetingFactory(cases=cases)
    assert set(meeting.cases.all()) == set(cases) and meeting.place == world.building_a


def test_standalone_factories_build_a_coherent_area(db):
    """Without the personas, each factory makes a case whose organisation covers its place
    and a mediator of it, so the services accept what the traits ask."""
    minutes = MinutesFactory(signed=True)
    assert minutes.status == MinutesStatus.CIRCULATED and minutes.signatures.count() == 2
    mediation = MediationFactory(mediating=True)
    assert mediation.status == MediationStatus.MEDIATING
    campaign = BallotCampaignFactory(collecting=True)
    assert campaign.electorate.count() == 12


@pytest.mark.parametrize(
    ("trait", "status", "version", "signatures"),
    [
        ("circulated", MinutesStatus.CIRCULATED, 2, 0),
        ("signed", MinutesStatus.CIRCULATED, 2, 2),
        ("approved", MinutesStatus.APPROVED, 3, 2),
        ("archived", MinutesStatus.ARCHIVED, 4, 2),
    ],
)
def test_minutes_traits_go_through_the_services(case, trait, status, version, signatures):
    minutes = MinutesFactory(
        meeting=MeetingFactory(case=case, closed=True, invitees=2), **{trait: True}
    )
    assert (minutes.status, minutes.version) == (status, version)
    assert minutes.signatures.count() == signatures
    assert CaseEvent.objects.filter(case=case, code="minutes.transition").count() == version - 1
    if status in (MinutesStatus.APPROVED, MinutesStatus.ARCHIVED):
        assert minutes.snapshot["topic"] == minutes.meeting.topic
        assert ArchiveRecord.objects.get(minutes=minutes).size > 0


def test_minutes_given_a_status_are_a_bare_row(case):
    minutes = MinutesFactory(status=MinutesStatus.APPROVED)
    assert minutes.version == 1 and minutes.snapshot is None
    assert not ArchiveRecord.objects.exists()
    with pytest.raises(ValueError, match="not both"):
        MinutesFactory(status=MinutesStatus.APPROVED, approved=True)


@pytest.mark.parametrize(
    ("trait", "status"),
    [
        ("announced", CampaignStatus.ANNOUNCED),
        ("collecting", CampaignStatus.COLLECTING),
        ("counted", CampaignStatus.COUNTED),
        ("passed", CampaignStatus.PASSED),
        ("failed", CampaignStatus.FAILED),
        ("published", CampaignStatus.PUBLISHED),
        ("effective", CampaignStatus.EFFECTIVE),
    ],
)
def test_ballot_traits_go_through_the_services(case, trait, status):
    campaign = BallotCampaignFactory(case=case, **{trait: True})
    assert campaign.status == status
    if status != CampaignStatus.ANNOUNCED:
        assert campaign.electorate.count() == 12 and campaign.rule["approval_area"] == "3/4"
    if status not in (CampaignStatus.ANNOUNCED, CampaignStatus.COLLECTING):
        assert campaign.tally["verdict"] is (status != CampaignStatus.FAILED)
    assert ArchiveRecord.objects.filter(ballot=campaign).exists() is (
        status in (CampaignStatus.PUBLISHED, CampaignStatus.EFFECTIVE)
    )
    assert CaseEvent.objects.filter(case=case, params__title=campaign.title).exists()


def test_a_ballot_counts_the_votes_it_is_given(case, world):
    scope = StairwellFactory(parent=world.building_a, floors=2)
    campaign = BallotCampaignFactory(
        case=case, scope=scope, counted=True, votes=["agree", "object", None, "abstain"]
    )
    assert campaign.tally["verdict"] is False
    assert sorted(b.choice for e in campaign.electorate.all() for b in e.ballots.all()) == [
        "abstain",
        "agree",
        "object",
    ]


@pytest.mark.parametrize(
    ("traits", "status"),
    [
        ({}, MediationStatus.REGISTERED),
        ({"mediating": True}, MediationStatus.MEDIATING),
        ({"agreed": True, "visited": True, "closing_report": "结案。"}, MediationStatus.AGREED),
        ({"ended": True}, MediationStatus.ENDED),
    ],
)
def test_mediation_traits_go_through_the_services(case, mediator, traits, status):
    mediation = MediationFactory(case=case, **traits)
    assert mediation.status == status and mediation.number.endswith("人调字第1号")
    assert list(mediation.mediators.all()) == [mediator]
    assert case.parties.count() == 2  # 王秀兰 and 陈建国, added for the mediation
    events = CaseEvent.objects.filter(case=case, kind="mediation")
    assert events.filter(code="mediation.registered").exists()
    if status == MediationStatus.AGREED:
        assert mediation.agreement.in_effect and mediation.return_visit_due
        assert ArchiveRecord.objects.filter(agreement=mediation.agreement).exists()
        assert mediation.sessions.get().signatures.count() == 3
        assert mediation.return_visits.count() == 1 and mediation.closing_report == "结案。"
        assert not dossier_missing_items(mediation)
    if status == MediationStatus.ENDED:
        assert mediation.routes_told


def test_sessions_and_agreements_on_their_own(case, parties):
    session = MediationSessionFactory(mediation=MediationFactory(case=case, mediating=True))
    assert list(session.participants.all()) == list(parties) and not session.signatures.exists()
    agreement = AgreementFactory(mediation=session.mediation, signed=True)
    assert not agreement.in_effect and agreement.unmet() == ["The committee's seal is not marked."]
    assert case.parties.count() == 2  # the fixture's parties, none added
