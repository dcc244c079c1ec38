"""The resident's stages: which log entries a resident is shown as a stage (one mapping,
table-tested), the progress bar, and the expected date of a paused case."""

import datetime as dt

import pytest
from django.utils import timezone

from casework import events as codes
from casework import public_stages as ps
from casework.models import CaseEvent, EventKind, Status


def _event(kind, transition="", code="", **extra):
    return CaseEvent(kind=kind, transition=transition, code=code, **extra)


@pytest.mark.parametrize(
    ("kind", "transition", "code", "stage"),
    [
        (EventKind.REGISTERED, "", codes.REGISTERED, ps.RECEIVED),
        (EventKind.TRANSITION, "accept", "", ps.ACCEPTED),
        (EventKind.TRANSITION, "start_work", "", ps.IN_PROGRESS),
        (EventKind.TRANSITION, "resume", "", ps.IN_PROGRESS),
        (EventKind.TRANSITION, "wait", "", ps.WAITING),
        # A wait caused by a referral: the referral's entry says whom it waits for.
        (EventKind.TRANSITION, "wait", codes.WAITS_FOR_REFERRAL, None),
        (EventKind.TRANSITION, "resolve", "", ps.RESOLVED),
        (EventKind.TRANSITION, "close", "", ps.CLOSED),
        (EventKind.TRANSITION, "reopen", "", ps.REOPENED),
        (EventKind.TRANSITION, "archive", "", ps.ARCHIVED),
        (EventKind.TRANSITION, "reject", "", ps.REJECTED),
        (EventKind.TRANSITION, "withdraw", "", ps.WITHDRAWN),
        (EventKind.TRANSITION, "mark_merged", "", ps.MERGED),
        (EventKind.REFERRAL, "dispatch", codes.REFERRED, ps.REFERRED),
        (EventKind.REFERRAL, "send_reply", codes.REFERRAL_MOVED, ps.AGENCY_REPLIED),
        (EventKind.REFERRAL, "accept_reply", codes.REFERRAL_MOVED, ps.REPLY_ACCEPTED),
        # The office's business: never a stage.
        (EventKind.REFERRAL, "sign_for", codes.REFERRAL_MOVED, None),
        (EventKind.REFERRAL, "request_extension", codes.REFERRAL_MOVED, None),
        (EventKind.REFERRAL, "request_return", codes.REFERRAL_MOVED, None),
        (EventKind.REFERRAL, "send_back", codes.REFERRAL_MOVED, None),
        (EventKind.REFERRAL, "recall", codes.REFERRAL_MOVED, None),
        (EventKind.NOTE, "", "", None),
        (EventKind.ASSIGNMENT, "", codes.ASSIGNED, None),
        (EventKind.RATING, "", codes.RATED, None),
        (EventKind.CHASE, "", codes.CASE_CHASED, None),
        (EventKind.SUPERVISION, "", codes.SUPERVISED, None),
        (EventKind.RETURN_VISIT, "", codes.RETURN_VISIT, None),
        (EventKind.RESIDENT, "", "", None),
        (EventKind.ATTACHMENT, "", codes.ATTACHED, None),
        (EventKind.MERGE, "", codes.MERGED, None),
    ],
)
def test_public_stage_of_each_kind_of_event(kind, transition, code, stage):
    assert ps.public_stage(_event(kind, transition, code)) == stage


def test_every_stage_has_a_title():
    stages = {v for k, v in vars(ps).items() if k.isupper() and isinstance(v, str)}
    assert stages <= set(ps.TITLES), stages - set(ps.TITLES)


@pytest.mark.parametrize(
    ("status", "bar"),
    [
        (
            Status.REGISTERED,
            "received:current accepted:todo in_progress:todo resolved:todo closed:todo",
        ),
        (
            Status.ACCEPTED,
            "received:done accepted:current in_progress:todo resolved:todo closed:todo",
        ),
        (
            Status.WAITING,
            "received:done accepted:done in_progress:current resolved:todo closed:todo",
        ),
        (
            Status.REOPENED,
            "received:done accepted:done in_progress:current resolved:todo closed:todo",
        ),
        (
            Status.RESOLVED,
            "received:done accepted:done in_progress:done resolved:current closed:todo",
        ),
        (
            Status.ARCHIVED,
            "received:done accepted:done in_progress:done resolved:done closed:current",
        ),
        # A case not accepted ends the bar with 不予受理.
        (Status.REJECTED, "received:done rejected:ended"),
        (Status.WITHDRAWN, "received:done withdrawn:ended"),
        (Status.MERGED, "received:done merged:ended"),
    ],
)
def test_the_progress_bar(status, bar):
    assert " ".join(f"{s.code}:{s.state}" for s in ps.progress(status)) == bar


D = dt.date


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("due", "since", "until", "today", "expected"),
    [
        # Waiting since Mon 9 March for a reply due Fri 13 March: 4 working days paused.
        (D(2026, 3, 20), D(2026, 3, 9), D(2026, 3, 13), D(2026, 3, 10), D(2026, 3, 26)),
        # The reply is late (today is past its due date): the pause runs to today.
        (D(2026, 3, 20), D(2026, 3, 9), D(2026, 3, 13), D(2026, 3, 16), D(2026, 3, 27)),
        # Waiting for a party (no due date): as if the answer came today.
        (D(2026, 3, 20), D(2026, 3, 9), None, D(2026, 3, 10), D(2026, 3, 23)),
        # Paused today: nothing lost yet.
        (D(2026, 3, 20), D(2026, 3, 10), None, D(2026, 3, 10), D(2026, 3, 20)),
        # The pause crosses National Day (1–7 October 2026 off, Sat 10 October worked):
        # 29, 30 Sep, 8, 9 Oct paused = 4 working days after 30 Sep → 8, 9, 10 (Sat), 12 Oct.
        (D(2026, 9, 30), D(2026, 9, 28), D(2026, 10, 9), D(2026, 9, 29), D(2026, 10, 12)),
        (None, D(2026, 3, 9), None, D(2026, 3, 10), None),
    ],
)
def test_the_expected_date_of_a_paused_case(due, since, until, today, expected):
    assert ps.expected_date(due=due, waiting_since=since, until=until, today=today) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days", "asked", "contact_by"),
    [
        (1, dt.datetime(2026, 3, 13, 16, 0), D(2026, 3, 16)),  # Friday → Monday
        (1, dt.datetime(2026, 9, 30, 9, 0), D(2026, 10, 8)),  # over National Day
        (2, dt.datetime(2026, 3, 10, 9, 0), D(2026, 3, 12)),
    ],
)
def test_a_reopen_request_is_answered_within_the_first_contact_days(
    settings, days, asked, contact_by
):
    settings.LINLI = {**settings.LINLI, "FIRST_CONTACT_WORKING_DAYS": days}
    asked = timezone.make_aware(asked)
    assert ps.reopen_contact_due(asked) == contact_by
