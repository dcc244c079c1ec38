import datetime as dt

import pytest
from django.utils import timezone

from casework.models import Status
from consultation.models import Invitee, Meeting, MeetingKind, MeetingStatus
from tests.factories import make_case


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Archived files go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(world, mediator):
    return make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )


@pytest.fixture
def make_meeting(world, mediator, case):
    def make(status=MeetingStatus.PLANNED, kind=MeetingKind.COORDINATION, invitees=0, **kw):
        meeting = Meeting.objects.create(
            kind=kind,
            topic=kw.pop("topic", "3号楼加装电梯协调"),
            place=case.place,
            convening_organisation=world.committee_a,
            chair="张晓燕",
            recorder="李国强",
            starts_at=kw.pop("starts_at", timezone.now() + dt.timedelta(days=10)),
            venue="番禺居委会会议室",
            status=status,
            created_by=mediator,
            **kw,
        )
        meeting.cases.add(case)
        for i in range(invitees):
            Invitee.objects.create(
                meeting=meeting, category="resident", name=f"居民{i + 1}", attended=True
            )
        return meeting

    return make
