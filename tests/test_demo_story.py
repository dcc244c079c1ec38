"""The demo shows the product: `make demo`'s three commands, at a smaller scale (the same
code path), leave a street with fourteen months of history — every state, overdue work,
ratings, inboxes with work waiting, meetings whose notices precede them, ballots and
mediations at every stage — dated only in the past, with the summary tables right."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max, Min
from django.test.utils import override_settings
from django.utils import timezone

from casework import calendar, sla, waiting
from casework.models import (
    Case,
    CaseEvent,
    CaseReturnVisit,
    Rating,
    Referral,
    ReferralStatus,
    Status,
)
from consultation.models import (
    BallotCampaign,
    Mediation,
    MediationStatus,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The three commands of `make demo`, once for the module (about 140 cases: the same
    code path as the default 300), rolled back at the end."""
    quiet = open("/dev/null", "w")  # noqa: SIM115
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        call_command("seed_demo", cases=140, stdout=quiet)
        call_command("seed_meetings", stdout=quiet)
        call_command("seed_mediations", stdout=quiet)
        yield timezone.now()  # when the seeding finished
        transaction.set_rollback(True)


def _user(username):
    return get_user_model().objects.get(username=username)


def test_the_demo_street_has_fourteen_months_of_work_in_every_state(demo):
    finished = demo
    assert set(Case.objects.values_list("status", flat=True)) == {s.value for s in Status}
    span = CaseEvent.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    # A history of more than a year, and nothing dated in the future.
    assert span["first"] < finished - dt.timedelta(days=365)
    assert span["last"] <= finished
    # References run with time: the first year's cases carry its year.
    assert Case.objects.filter(reference__startswith=f"{span['first'].year}-").exists()
    # Work overdue and due soon, chased (催办), under 督办, rated, visited, reopened.
    assert sla.overdue_cases().exists()
    today = timezone.localdate()
    assert Case.objects.filter(
        status__in=[Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED],
        due_date__gte=today,
        due_date__lte=today + dt.timedelta(days=10),
    ).exists()
    assert CaseEvent.objects.filter(kind="chase").exists()
    assert Referral.objects.filter(under_supervision=True).exists()
    assert Rating.objects.filter(satisfied=True).exists()
    assert Rating.objects.filter(satisfied=False).exists()
    assert CaseReturnVisit.objects.exists()
    # The holiday calendar covers every year of the history.
    assert calendar.unpublished_years(*range(span["first"].year, today.year + 1)) == []


def test_the_demo_inboxes_have_work_waiting(demo):
    for username in ("property", "agency", "police"):
        open_referrals = Referral.objects.filter(
            organisation__memberships__user__username=username,
            status__in=[ReferralStatus.DISPATCHED, ReferralStatus.SIGNED_FOR],
        )
        assert open_referrals.exists(), username
        assert waiting.count_for(_user(username)) > 0, username
    # The case officers have replies to confirm and other things waiting too.
    assert sum(waiting.count_for(_user(f"mediator{n}")) for n in ("", "2", "3", "4")) > 0


def test_every_demo_meeting_was_announced_before_it_and_minutes_follow_it(demo):
    meetings = list(Meeting.objects.all())
    assert {m.status for m in meetings} >= {
        MeetingStatus.PLANNED,
        MeetingStatus.NOTICE_PUBLISHED,
        MeetingStatus.HELD,
        MeetingStatus.CLOSED,
        MeetingStatus.POSTPONED,
    }
    for meeting in meetings:
        if meeting.notice_date is not None:
            assert meeting.notice_date < timezone.localtime(meeting.starts_at).date(), meeting
        assert meeting.created_at < meeting.starts_at, meeting
    filed = Minutes.objects.filter(status=MinutesStatus.ARCHIVED)
    assert filed.count() >= 2
    for minutes in Minutes.objects.select_related("meeting"):
        assert minutes.approved_at > minutes.meeting.starts_at
    assert set(BallotCampaign.objects.values_list("status", flat=True)) >= {
        "draft",
        "announced",
        "collecting",
        "published",
    }
    assert set(Mediation.objects.values_list("status", flat=True)) == {
        MediationStatus.AGREED,
        MediationStatus.ENDED,
        MediationStatus.MEDIATING,
    }


def test_the_demo_tallies_agree_with_a_recount(demo):
    call_command("rebuild_tallies", "--check", stdout=open("/dev/null", "w"))  # noqa: SIM115
