"""Consultation's worlds are built with tests.factories (MeetingFactory, MinutesFactory,
BallotCampaignFactory, MediationFactory, ...); the fixtures here are the two things
almost every test shares: the case and its two sides."""

import pytest

from casework.models import PartyRole, Status
from tests.factories import PartyFactory, make_case


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Archived files go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(world, mediator):
    """A case in progress in building 3 of area A, the mediator its officer."""
    return make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )


@pytest.fixture
def parties(case):
    """The case's applicant 王秀兰 (3号楼201) and respondent 陈建国 (3号楼301)."""
    return (
        PartyFactory(case=case, role=PartyRole.APPLICANT, name="王秀兰", address="3号楼201"),
        PartyFactory(case=case, role=PartyRole.RESPONDENT, name="陈建国", address="3号楼301"),
    )
