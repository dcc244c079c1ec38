"""Working days are Chinese working days: holidays off, 调休 make-up weekends on."""

import datetime as dt

from django.core.management import call_command
from django.urls import reverse

from casework.calendar import (
    add_working_days,
    is_working_day,
    unpublished_years,
    working_days_between,
)
from casework.models import CalendarDay, CalendarYear

D = dt.date


def test_spring_festival_2026(db):
    # Off Sun 15 Feb to Mon 23 Feb; Saturdays 14 Feb and 28 Feb are make-up working days.
    assert is_working_day(D(2026, 2, 14))
    assert not any(is_working_day(D(2026, 2, d)) for d in range(15, 24))
    assert is_working_day(D(2026, 2, 24)) and is_working_day(D(2026, 2, 28))
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    # Five working days from Friday 13 Feb: 14, 24, 25, 26, 27.
    assert add_working_days(D(2026, 2, 13), 5) == D(2026, 2, 27)
    assert working_days_between(D(2026, 2, 13), D(2026, 3, 2)) == 7


def test_national_day_2026(db):
    # Off 1–7 October; Sunday 20 September and Saturday 10 October are working days.
    assert is_working_day(D(2026, 9, 20)) and is_working_day(D(2026, 10, 10))
    assert not any(is_working_day(D(2026, 10, d)) for d in range(1, 8))
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)


def test_a_year_without_data_counts_weekends_and_is_reported(db):
    assert unpublished_years(2026, 2027, 2031) == [2027, 2031]
    # 2031-01-03 is a Friday: the next working day is Monday.
    assert add_working_days(D(2031, 1, 3), 1) == D(2031, 1, 6)


def test_staff_edits_take_effect_at_once(db):
    assert is_working_day(D(2031, 3, 3))
    CalendarDay.objects.create(date=D(2031, 3, 3), is_working=False, name="Typhoon day")
    assert not is_working_day(D(2031, 3, 3))
    CalendarDay.objects.get(date=D(2031, 3, 3)).delete()
    assert is_working_day(D(2031, 3, 3))


def test_load_calendar_is_idempotent(db, capsys):
    before = CalendarDay.objects.count()
    call_command("load_calendar", "2026", "2027")
    assert CalendarDay.objects.count() == before
    assert "2027: not published" in capsys.readouterr().out


def test_everyone_whose_deadlines_fall_in_an_unpublished_year_is_warned(
    client, world, supervisor, mediator, colleague
):
    from casework.models import Status
    from tests.factories import make_case

    CalendarYear.objects.filter(year=2031).delete()
    case = make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
        due_date=D(2031, 1, 6),
    )
    warning = "holiday schedule for 2031 is not published or not loaded yet"
    client.force_login(mediator)
    assert warning in client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert warning in client.get(reverse("casework:case_list")).content.decode()
    assert warning in client.get(reverse("casework:home")).content.decode()
    client.force_login(supervisor)  # not the supervisor's own case: on its page, not home
    assert warning in client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert warning not in client.get(reverse("casework:home")).content.decode()
    case.due_date = D(2026, 12, 30)
    case.save()
    client.force_login(mediator)
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert warning not in page


def test_meeting_and_ballot_pages_warn_of_an_unpublished_year_too(client, world):
    """A meeting on 2031-01-06 and a ballot closing then: their notice periods count working
    days in a year whose schedule is not loaded, and their pages say so."""
    from tests.factories import BallotCampaignFactory, MeetingFactory, staff_of

    CalendarYear.objects.filter(year=2031).delete()
    warning = "holiday schedule for 2031 is not published or not loaded yet"
    meeting = MeetingFactory(starts_at=dt.datetime(2031, 1, 6, 2, tzinfo=dt.UTC))
    ballot = BallotCampaignFactory(
        case=meeting.cases.first(), opens_on=D(2031, 1, 2), closes_on=D(2031, 1, 6)
    )
    client.force_login(staff_of(meeting.cases.first()))
    for page in (
        reverse("consultation:meeting_detail", args=[meeting.pk]),
        reverse("consultation:ballot_detail", args=[ballot.pk]),
    ):
        response = client.get(page)
        assert response.status_code == 200, page
        assert warning in response.content.decode(), page
    ballot.opens_on, ballot.closes_on = D(2026, 12, 20), D(2026, 12, 30)
    ballot.save()
    page = client.get(reverse("consultation:ballot_detail", args=[ballot.pk])).content.decode()
    assert warning not in page
