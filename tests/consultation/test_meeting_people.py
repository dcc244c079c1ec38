"""Chair and recorder as people: chosen from the staff (printed by the person-name rule),
a typed name only for outsiders; migration consultation.0016 links typed names to users."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as global_apps
from django.urls import reverse
from django.utils import timezone

from consultation import services
from consultation.documents import minutes as minutes_document
from consultation.models import Meeting
from consultation.services.minutes import default_signer_role
from core.exceptions import TransitionRefused
from core.models import Profile
from tests.factories import InviteeFactory, MeetingFactory, MinutesFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhang(mediator):
    """The mediator, named 张晓燕 in Chinese order."""
    mediator.first_name, mediator.last_name = "晓燕", "张"
    mediator.save()
    return mediator


def _form(case, world, **people):
    return {
        "kind": "coordination",
        "topic": "3号楼夜间施工噪音协调会",
        "cases": case.reference,
        "convening_organisation": world.committee_a.pk,
        "starts_at": (dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "venue": "居委会会议室",
        **people,
    }


def test_the_chair_is_picked_by_name_and_printed_family_name_first(client, world, case, zhang):
    client.force_login(zhang)
    page = client.get(reverse("consultation:meeting_new") + f"?case={case.reference}")
    assert f'<option value="{zhang.pk}" selected>张晓燕</option>' in page.content.decode()
    response = client.post(
        reverse("consultation:meeting_new"),
        _form(case, world, chair_person=zhang.pk, recorder="王业委会秘书"),
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert (meeting.chair_person, meeting.chair) == (zhang, "")
    assert (meeting.recorder_person, meeting.recorder) == (None, "王业委会秘书")
    detail = client.get(reverse("consultation:meeting_detail", args=[meeting.pk]))
    text = detail.content.decode()
    assert "张晓燕" in text and "晓燕 张" not in text and "王业委会秘书" in text


def test_a_meeting_needs_a_chair_person_or_an_outsiders_name(client, world, case, zhang):
    client.force_login(zhang)
    response = client.post(reverse("consultation:meeting_new"), _form(case, world))
    assert response.status_code == 200 and not Meeting.objects.exists()
    assert "Choose the chair, or write the name of an outsider." in response.content.decode()


def test_a_chair_from_outside_the_area_is_refused(world, case, zhang, outsider):
    with pytest.raises(TransitionRefused, match="staff of the convening body"):
        services.meeting_create(
            actor=zhang,
            kind="coordination",
            topic="t",
            cases=[case],
            convening_organisation=world.committee_a,
            chair_person=outsider,
            starts_at=timezone.now() + dt.timedelta(days=3),
            venue="v",
        )
    assert not Meeting.objects.exists()


def test_the_display_name_reaches_the_minutes_and_the_signers_capacity(case, zhang):
    Profile.objects.create(user=zhang, display_name="张晓燕")
    meeting = MeetingFactory(case=case, held=True, chair="", chair_person=zhang)
    chair_invitee = InviteeFactory(meeting=meeting, name="张晓燕", attended=True)
    minutes = MinutesFactory(meeting=meeting)
    data = minutes_document.build(minutes)
    assert data["chair"] == "张晓燕"
    assert default_signer_role(meeting, chair_invitee) == "chair"


def test_the_migration_links_typed_names_to_the_one_user_of_that_name(case, zhang, colleague):
    migration = importlib.import_module(
        "consultation.migrations.0016_meeting_chair_recorder_people"
    )
    colleague.first_name, colleague.last_name = "国强", "李"
    colleague.save()
    UserFactory(first_name="芳", last_name="王")
    UserFactory(first_name="芳", last_name="王")  # two 王芳: the text stays
    linked = MeetingFactory(case=case, chair="张 晓燕", recorder="李国强")
    kept = MeetingFactory(case=case, chair="王芳", recorder="赵外人")
    migration.link_people(global_apps, None)
    linked.refresh_from_db()
    kept.refresh_from_db()
    assert (linked.chair_person, linked.chair) == (zhang, "")
    assert (linked.recorder_person, linked.recorder) == (colleague, "")
    assert (kept.chair_person, kept.chair, kept.recorder) == (None, "王芳", "赵外人")
    assert linked.chair_name == "张晓燕" and kept.chair_name == "王芳"
