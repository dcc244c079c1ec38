"""The meeting and minutes state machines as tables: every state × transition × role."""

import datetime as dt

import pytest
from django.utils import timezone

from casework.event_text import full_text
from consultation import services
from consultation.models import Meeting, MeetingStatus, Minutes, MinutesStatus
from core.exceptions import ActionForbidden, TransitionRefused
from tests.factories import MeetingFactory, MinutesFactory, SignatureFactory
from tests.jobs import run_archive_jobs

M = MeetingStatus
RUNS = {"mediator", "colleague", "supervisor"}  # staff of the meeting's area
ROLES = ["mediator", "colleague", "supervisor", "archivist", "agency_officer", "outsider"]

MEETING_TABLE = {
    "publish_notice": ({M.PLANNED}, RUNS, M.NOTICE_PUBLISHED),
    "hold": ({M.NOTICE_PUBLISHED}, RUNS, M.HELD),
    "close": ({M.HELD}, RUNS, M.CLOSED),
    "postpone": ({M.PLANNED, M.NOTICE_PUBLISHED}, RUNS, M.POSTPONED),
    "reschedule": ({M.POSTPONED}, RUNS, M.PLANNED),
    "cancel": ({M.PLANNED, M.NOTICE_PUBLISHED, M.POSTPONED}, RUNS, M.CANCELLED),
}
PARAMS = {"reason": "The venue is flooded."}


def test_meeting_table_covers_every_transition():
    assert set(MEETING_TABLE) == set(services.all_meeting_transitions())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MEETING_TABLE))
@pytest.mark.parametrize("state", [s.value for s in MeetingStatus])
def test_meeting_state_transition_role(state, name, role, request, case):
    actor = request.getfixturevalue(role)
    # A meeting is marked held only once it has started (the guard has its own test).
    started = {"starts_at": timezone.now() - dt.timedelta(hours=1)} if name == "hold" else {}
    meeting = MeetingFactory(case=case, status=state, invitees=1, **started)
    sources, roles, target = MEETING_TABLE[name]
    params = dict(PARAMS)
    if name == "reschedule":
        params["starts_at"] = timezone.now() + dt.timedelta(days=20)
    if state in sources and role in roles:
        services.meeting_transition(meeting=meeting, name=name, actor=actor, **params)
        meeting.refresh_from_db()
        assert meeting.status == target
        assert meeting.version == 2
        event = meeting.cases.get().events.get()
        assert event.actor == actor and meeting.get_status_display() in full_text(event)
    else:
        expected = TransitionRefused if state not in sources else ActionForbidden
        with pytest.raises(expected) as refused:
            services.meeting_transition(meeting=meeting, name=name, actor=actor, **params)
        assert refused.value.messages and all(refused.value.messages)
        assert Meeting.objects.get(pk=meeting.pk).status == state
        assert not meeting.cases.get().events.exists()


def test_guards_name_what_is_missing(case, mediator):
    empty = MeetingFactory(case=case)
    with pytest.raises(TransitionRefused, match="Invite the participants"):
        services.meeting_transition(meeting=empty, name="publish_notice", actor=mediator)
    held = MeetingFactory(case=case, held=True, invitees=2)
    held.invitees.update(attended=None)
    with pytest.raises(TransitionRefused, match="present or absent"):
        services.meeting_transition(meeting=held, name="close", actor=mediator)


MI = MinutesStatus
MINUTES_TABLE = {
    "circulate": ({MI.DRAFT}, RUNS, MI.CIRCULATED),
    "revise": ({MI.CIRCULATED}, RUNS, MI.DRAFT),
    "approve": ({MI.CIRCULATED}, RUNS, MI.APPROVED),
    "archive": ({MI.APPROVED}, {"supervisor", "archivist"}, MI.ARCHIVED),
}


def test_minutes_table_covers_every_transition():
    assert set(MINUTES_TABLE) == set(services.all_minutes_transitions())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MINUTES_TABLE))
@pytest.mark.parametrize("state", [s.value for s in MinutesStatus])
def test_minutes_state_transition_role(state, name, role, request, case):
    actor = request.getfixturevalue(role)
    meeting = MeetingFactory(case=case, closed=True, invitees=1)
    minutes = MinutesFactory(meeting=meeting, status=state)  # the row, no history
    SignatureFactory(minutes=minutes, invitee=meeting.invitees.get())
    sources, roles, target = MINUTES_TABLE[name]
    if state in sources and role in roles:
        services.minutes_transition(minutes=minutes, name=name, actor=actor, **PARAMS)
        minutes.refresh_from_db()
        assert minutes.status == target
        if target == MI.APPROVED:
            assert minutes.snapshot["topic"] == meeting.topic
            assert run_archive_jobs() == ["done"]  # the worker, after the commit
            assert minutes.archive_record.size > 0
    else:
        expected = TransitionRefused if state not in sources else ActionForbidden
        with pytest.raises(expected) as refused:
            services.minutes_transition(minutes=minutes, name=name, actor=actor, **PARAMS)
        assert refused.value.messages and all(refused.value.messages)
        assert Minutes.objects.get(pk=minutes.pk).status == state


def test_a_meeting_cannot_be_marked_held_before_it_starts(case, mediator):
    """A meeting set for 12-05 cannot be held on 12-03: refused with the start in words,
    and the meeting page shows "Mark as held" disabled with that reason."""
    meeting = MeetingFactory(
        case=case,
        status=M.NOTICE_PUBLISHED,
        invitees=1,
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    with pytest.raises(TransitionRefused, match="cannot be marked as held before then"):
        services.meeting_transition(meeting=meeting, name="hold", actor=mediator)
    meeting.refresh_from_db()
    assert meeting.status == M.NOTICE_PUBLISHED
    offers = {o.name: o for o in services.MEETINGS.offers(meeting, mediator)}
    assert not offers["hold"].allowed
    assert "cannot be marked as held" in offers["hold"].reasons[0]
    assert offers["cancel"].allowed


def test_the_meeting_page_offers_the_cases_parties_and_officer_as_invitees(client, case, mediator):
    from django.urls import reverse

    from tests.factories import PartyFactory

    PartyFactory(case=case, name="王秀英")
    mediator.first_name, mediator.last_name = "晓燕", "张"
    mediator.save()
    meeting = MeetingFactory(case=case)
    client.force_login(mediator)
    page = client.get(reverse("consultation:meeting_detail", args=[meeting.pk])).content.decode()
    assert "Invite 王秀英" in page and "Invite 张晓燕" in page
    client.post(
        reverse("consultation:meeting_invitee", args=[meeting.pk]),
        {"category": "resident", "name": "王秀英", "affiliation": "Applicant"},
    )
    assert meeting.invitees.filter(name="王秀英").exists()
    page = client.get(reverse("consultation:meeting_detail", args=[meeting.pk])).content.decode()
    assert "Invite 王秀英" not in page  # invited: no longer offered


def test_a_return_visit_due_waits_for_its_mediator_until_recorded(case, mediator):
    from casework import waiting
    from consultation.models import Mediation
    from tests.factories import MediationFactory

    mediation = MediationFactory(case=case, agreed=True)
    Mediation.objects.filter(pk=mediation.pk).update(
        return_visit_due=timezone.localdate() - dt.timedelta(days=1)
    )
    assert waiting.counts_for(mediator)["mediation_return_visit"] == 1
    (group,) = [g for g in waiting.waiting_for(mediator) if g.code == "mediation_return_visit"]
    assert group.items[0].overdue and group.items[0].detail == mediation.number
    mediation.refresh_from_db()
    services.return_visit_record(
        mediation=mediation,
        actor=mediator,
        visited_on=timezone.localdate(),
        manner="phone",
        performance="performed",
        satisfaction="satisfied",
    )
    assert waiting.counts_for(mediator)["mediation_return_visit"] == 0
