"""Meetings through the pages: the whole coordination meeting, scoping, .ics, quorum and
tallies, and query counts."""

import datetime as dt
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.event_text import full_text
from casework.models import CaseEvent
from consultation import selectors, services
from consultation.models import (
    FollowUp,
    Invitee,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Minutes,
    MinutesStatus,
)
from core.exceptions import TransitionRefused
from tests.factories import InviteeFactory, MeetingFactory, MinutesFactory
from tests.jobs import run_archive_jobs


def post(client, name, *args, data=None, follow=False):
    return client.post(reverse(name, args=args), data or {}, follow=follow)


def test_a_coordination_meeting_from_the_case_page_to_the_archived_pdf(
    client, world, case, mediator
):
    client.force_login(mediator)
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert f"/meetings/new/?case={case.reference}" in page
    response = client.post(
        reverse("consultation:meeting_new"),
        {
            "kind": "coordination",
            "topic": "3号楼夜间施工噪音协调会",
            "cases": case.reference,
            "convening_organisation": world.committee_a.pk,
            "chair": "张晓燕",
            "recorder": "李国强",
            "starts_at": (dt.datetime.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "venue": "居委会会议室",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == f"/meetings/{meeting.pk}/"
    for name in ("王阿姨", "施工方代表"):
        post(
            client,
            "consultation:meeting_invitee",
            meeting.pk,
            data={"category": "resident", "name": name},
        )
    assert meeting.invitees.count() == 2
    response = post(
        client,
        "consultation:meeting_transition",
        meeting.pk,
        "publish_notice",
        data={"version": meeting.version},
        follow=True,
    )
    # One day's notice for a 3-day rule: allowed, with a warning.
    assert "shorter than the 3 days" in response.content.decode()
    meeting.refresh_from_db()
    # The day comes (it was set for tomorrow: it cannot be held before it starts).
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    post(client, "consultation:meeting_transition", meeting.pk, "hold", data={"version": 2})
    wang, builder = meeting.invitees.order_by("id")
    post(client, "consultation:attendance", meeting.pk, data={"present": [wang.pk, builder.pk]})
    post(
        client,
        "consultation:meeting_motion",
        meeting.pk,
        data={"text": "晚十点后停止打桩", "votes_for": 2, "votes_against": 0, "abstentions": 0},
    )
    post(
        client,
        "consultation:meeting_decision",
        meeting.pk,
        data={"text": "施工方承诺晚十点后停止打桩作业。"},
    )
    post(
        client,
        "consultation:meeting_follow_up",
        meeting.pk,
        data={
            "text": "居委会一周后回访",
            "organisation": world.committee_a.pk,
            "due_date": "2026-12-31",
            "case": case.pk,
        },
    )
    post(client, "consultation:meeting_transition", meeting.pk, "close", data={"version": 3})
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    assert meeting.quorum()["met"]

    post(client, "consultation:minutes_new", meeting.pk)
    minutes = Minutes.objects.get(meeting=meeting)
    post(client, "consultation:minutes_transition", minutes.pk, "circulate", data={"version": 1})
    for attendee in (wang, builder):
        post(client, "consultation:minutes_sign", minutes.pk, data={"invitee": attendee.pk})
    post(client, "consultation:minutes_transition", minutes.pk, "approve", data={"version": 2})
    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.APPROVED
    assert minutes.snapshot["motions"][0]["outcome"] == "通过"
    # The job filing the PDF runs after the commit (#21); until it has, the page says so.
    detail = client.get(reverse("consultation:minutes_detail", args=[minutes.pk])).content
    assert b"The archive file is being generated" in detail
    assert reverse("consultation:minutes_pdf", args=[minutes.pk]).encode() not in detail
    assert run_archive_jobs() == ["done"]
    detail = client.get(reverse("consultation:minutes_detail", args=[minutes.pk])).content
    assert b"being generated" not in detail
    response = client.get(reverse("consultation:minutes_pdf", args=[minutes.pk]))
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-") and len(body) == minutes.archive_record.size

    # The case page lists the meeting and its follow-up, which can be closed there.
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "3号楼夜间施工噪音协调会" in page and "居委会一周后回访" in page
    follow_up = FollowUp.objects.get()
    post(
        client,
        "consultation:follow_up_close",
        follow_up.pk,
        data={"note": "已回访，噪音已停止", "next": f"/cases/{case.pk}/"},
    )
    follow_up.refresh_from_db()
    assert follow_up.status == "done" and follow_up.done_by == mediator
    logged = [full_text(e) for e in CaseEvent.objects.filter(case=case)]
    assert not any("已回访" in text for text in logged)  # the closing note stays off the log
    assert any("Follow-up done: 居委会一周后回访" in text for text in logged)


def test_outsiders_get_404_for_meetings_minutes_and_archive(client, case, outsider, agency_officer):
    meeting = MeetingFactory(case=case, held=True, invitees=1)
    minutes = MinutesFactory(meeting=meeting)
    urls = [
        reverse("consultation:meeting_detail", args=[meeting.pk]),
        reverse("consultation:meeting_ics", args=[meeting.pk]),
        reverse("consultation:minutes_detail", args=[minutes.pk]),
        reverse("consultation:minutes_pdf", args=[minutes.pk]),
    ]
    for user in (outsider, agency_officer):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        response = post(
            client,
            "consultation:meeting_decision",
            meeting.pk,
            data={"text": "越权"},
        )
        assert response.status_code == 404
        assert "M20" not in client.get(reverse("consultation:meeting_list")).content.decode()
    assert not meeting.decisions.exists()


def test_a_colleague_outside_the_area_cannot_call_a_meeting_on_our_case(
    client, world, case, outsider
):
    client.force_login(outsider)
    response = client.post(
        reverse("consultation:meeting_new"),
        {
            "kind": "hearing",
            "topic": "x",
            "cases": case.reference,
            "convening_organisation": world.committee_b.pk,
            "chair": "x",
            "starts_at": "2026-12-01T19:00",
            "venue": "x",
        },
    )
    assert response.status_code == 200
    assert "No case in your area" in response.content.decode()
    assert not Meeting.objects.exists()


def test_bad_input_gets_messages_not_errors(client, case, mediator):
    meeting = MeetingFactory(case=case, held=True, invitees=2)
    client.force_login(mediator)
    response = post(
        client,
        "consultation:meeting_motion",
        meeting.pk,
        data={"text": "x", "votes_for": "-1", "votes_against": "abc", "abstentions": ""},
        follow=True,
    )
    assert response.status_code == 200 and not meeting.motions.exists()
    response = post(
        client,
        "consultation:meeting_motion",
        meeting.pk,
        data={"text": "x", "votes_for": 5, "votes_against": 0, "abstentions": 0},
        follow=True,
    )
    assert "only 2 attendees" in response.content.decode()
    assert client.post(f"/meetings/{meeting.pk}/record/nonsense/").status_code == 404
    response = post(client, "consultation:meeting_transition", meeting.pk, "hold", data={})
    assert response.status_code == 404  # no version: a hand-made request
    response = post(
        client,
        "consultation:meeting_transition",
        meeting.pk,
        "close",
        data={"version": 99},
        follow=True,
    )
    assert "reload" in response.content.decode().lower()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD


def test_ics_invitation(client, case, mediator):
    meeting = MeetingFactory(case=case, topic="听证会，物业费; 调整")
    client.force_login(mediator)
    response = client.get(reverse("consultation:meeting_ics", args=[meeting.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert f"UID:meeting-{meeting.pk}@" in text
    assert "物业费\\; 调整" in text and "听证会\\，" not in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    start = meeting.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in text


def test_quorum_is_an_exact_fraction_per_kind(case):
    hearing = MeetingFactory(case=case, kind=MeetingKind.HEARING, invitees=3)
    Invitee.objects.filter(meeting=hearing, name="居民3").update(attended=False)
    quorum = hearing.quorum()
    assert quorum["rule"] == Fraction(2, 3)
    assert (quorum["present"], quorum["invited"], quorum["met"]) == (2, 3, True)  # exactly 2/3
    Invitee.objects.filter(meeting=hearing, name="居民2").update(attended=False)
    assert hearing.quorum()["met"] is False


def test_rating_sheet_tally(case, mediator):
    meeting = MeetingFactory(case=case, kind=MeetingKind.EVALUATION, held=True, invitees=3)
    result = services.criterion_add(meeting=meeting, actor=mediator, name="处理结果")
    attitude = services.criterion_add(meeting=meeting, actor=mediator, name="工作态度")
    a, b, c = meeting.invitees.order_by("id")
    services.sheet_record(
        meeting=meeting,
        actor=mediator,
        participant=a,
        returned=True,
        scores={result.pk: 5, attitude.pk: 4},
    )
    services.sheet_record(
        meeting=meeting,
        actor=mediator,
        participant=b,
        returned=True,
        scores={result.pk: 4, attitude.pk: 4},
    )
    services.sheet_record(  # returned with a gap: counted as returned, not valid
        meeting=meeting, actor=mediator, participant=c, returned=True, scores={result.pk: 1}
    )
    with pytest.raises(TransitionRefused):
        services.sheet_record(
            meeting=meeting, actor=mediator, participant=c, returned=True, scores={result.pk: 6}
        )
    tally = selectors.sheet_tally(meeting)
    assert (tally["issued"], tally["returned"], tally["valid"]) == (3, 3, 2)
    assert [(r["criterion"], str(r["average"])) for r in tally["criteria"]] == [
        ("处理结果", "4.50"),
        ("工作态度", "4.00"),
    ]


def test_meeting_page_query_count_does_not_grow(client, case, mediator):
    meeting = MeetingFactory(case=case, held=True, invitees=2)
    speaker = meeting.invitees.first()
    client.force_login(mediator)
    url = reverse("consultation:meeting_detail", args=[meeting.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(15):
        InviteeFactory(meeting=meeting, name=f"新{i}")
        services.statement_add(
            meeting=meeting, actor=mediator, speaker=speaker, stance="support", text=f"发言{i}"
        )
        services.decision_add(meeting=meeting, actor=mediator, text=f"决定{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count("发言") == 15
    assert len(many.captured_queries) == len(few.captured_queries)
