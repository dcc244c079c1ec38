"""The period library (casework.calendar): each rule pinned by exact dates across 2026's
holidays and make-up days and into 2027, a year whose State Council notice is not
published (its statutory holidays still count)."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from casework.calendar import (
    add_months,
    add_working_days,
    is_working_day,
    legal_period_end,
    statutory_holidays,
    unpublished_years,
    unpublished_years_of,
    working_days_between,
)
from casework.models import CalendarDay, CalendarYear
from tests.concurrency import needs_postgres

D = dt.date

# 民事诉讼法 Art. 85: start not counted; a last day off moves to the next working day.
LEGAL_PERIODS = [
    # (start, days, last day, why)
    (D(2026, 9, 1), 30, D(2026, 10, 8), "10-01 National Day; off until 10-07"),
    (D(2026, 6, 1), 30, D(2026, 7, 1), "a Wednesday: no move"),
    (D(2026, 7, 9), 30, D(2026, 8, 10), "Saturday 08-08 is a rest day by law: Monday"),
    (D(2026, 7, 10), 30, D(2026, 8, 10), "Sunday 08-09: Monday"),
    (D(2026, 1, 15), 30, D(2026, 2, 14), "Saturday 02-14 is a make-up working day: stays"),
    (D(2026, 1, 16), 30, D(2026, 2, 24), "02-15 Spring Festival, off until 02-23"),
    (D(2026, 3, 6), 30, D(2026, 4, 7), "04-05 清明 (Sunday) and 04-06 off"),
    (D(2026, 4, 1), 30, D(2026, 5, 6), "05-01 Labour Day, off until 05-05"),
    (D(2026, 5, 20), 30, D(2026, 6, 22), "06-19 端午 (Friday), then the weekend"),
    (D(2026, 8, 21), 30, D(2026, 9, 20), "Sunday 09-20 is a make-up working day: stays"),
    (D(2026, 8, 26), 30, D(2026, 9, 28), "09-25 中秋 (Friday), then the weekend"),
    (D(2026, 12, 2), 30, D(2027, 1, 4), "2027-01-01 元旦 (unpublished year), then weekend"),
    (D(2027, 1, 7), 30, D(2027, 2, 9), "2027 Spring Festival 02-05..02-08 (lunar, package)"),
    (D(2027, 9, 1), 30, D(2027, 10, 4), "2027-10-01 National Day; 10-02/03 the weekend"),
]


@pytest.mark.parametrize(("start", "days", "end", "why"), LEGAL_PERIODS)
def test_legal_period_end(db, start, days, end, why):
    assert legal_period_end(start, days) == end, why


# 民法典 Art. 202: the corresponding day, or the month's last day where there is none.
MONTH_PERIODS = [
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2026, 3, 31), 1, D(2026, 4, 30)),
    (D(2026, 1, 15), 1, D(2026, 2, 15)),  # in the Spring Festival: not moved (a target)
    (D(2026, 9, 1), 1, D(2026, 10, 1)),
    (D(2026, 8, 31), 1, D(2026, 9, 30)),
    (D(2026, 12, 15), 1, D(2027, 1, 15)),
    (D(2026, 12, 31), 2, D(2027, 2, 28)),
    (D(2027, 12, 31), 2, D(2028, 2, 29)),  # a leap year has its 29th
    (D(2026, 5, 31), 12, D(2027, 5, 31)),
]


@pytest.mark.parametrize(("start", "months", "end"), MONTH_PERIODS)
def test_add_months(start, months, end):
    assert add_months(start, months) == end


# Working days on the State Council's calendar (and the statutory days of 2027).
WORKING_DAYS = [
    (D(2026, 2, 13), 1, D(2026, 2, 14)),  # make-up Saturday
    (D(2026, 2, 14), 1, D(2026, 2, 24)),  # Spring Festival 02-15..02-23
    (D(2026, 2, 27), 1, D(2026, 2, 28)),  # make-up Saturday
    (D(2026, 4, 3), 1, D(2026, 4, 7)),  # 清明 04-05 and 04-06 off
    (D(2026, 4, 30), 1, D(2026, 5, 6)),  # Labour Day 05-01..05-05
    (D(2026, 5, 8), 1, D(2026, 5, 9)),  # make-up Saturday
    (D(2026, 9, 18), 1, D(2026, 9, 20)),  # make-up Sunday
    (D(2026, 9, 30), 1, D(2026, 10, 8)),  # National Day 10-01..10-07
    (D(2026, 10, 9), 1, D(2026, 10, 10)),  # make-up Saturday
    (D(2026, 9, 24), 5, D(2026, 10, 9)),  # 中秋 09-25 and National Day inside
    (D(2026, 12, 31), 1, D(2027, 1, 4)),  # 2027-01-01 元旦 counts though unpublished
    (D(2027, 2, 4), 1, D(2027, 2, 9)),  # 2027 除夕..初三 (02-05..02-08)
    (D(2027, 4, 30), 1, D(2027, 5, 3)),  # 05-01/02 on the weekend; no guessed 05-03 off
    (D(2027, 9, 30), 1, D(2027, 10, 4)),  # 10-01 Friday off
]


@pytest.mark.parametrize(("start", "days", "end"), WORKING_DAYS)
def test_add_working_days(db, start, days, end):
    assert add_working_days(start, days) == end


def test_working_days_between_counts_the_same_calendar(db):
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3  # 10-08, 09, 10
    assert working_days_between(D(2026, 12, 30), D(2027, 1, 4)) == 2  # 12-31, 01-04
    assert working_days_between(D(2026, 10, 8), D(2026, 10, 8)) == 0


def test_unpublished_year_keeps_the_statutory_holidays(db):
    assert unpublished_years(2026, 2027) == [2027]
    assert unpublished_years_of(D(2026, 12, 31), None, D(2027, 1, 4)) == [2027]
    days = statutory_holidays(2027)
    # 全国年节及纪念日放假办法 (2024): fixed dates and the lunar ones, no bridging days.
    assert {D(2027, 1, 1), D(2027, 5, 1), D(2027, 5, 2)} <= set(days)
    assert {D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3)} <= set(days)
    assert {D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)} <= set(days)
    assert {D(2027, 4, 5), D(2027, 6, 9), D(2027, 9, 15)} <= set(days)
    assert D(2027, 5, 3) not in days and D(2027, 10, 4) not in days
    assert len(days) == 13
    assert not is_working_day(D(2027, 1, 1))
    assert not is_working_day(D(2027, 6, 9))
    # A far year the package was never loaded for still keeps them.
    assert not is_working_day(D(2031, 1, 1)) and not is_working_day(D(2031, 10, 1))


def test_staff_rows_win_over_the_statutory_rule_in_an_unpublished_year(db):
    CalendarDay.objects.create(date=D(2027, 1, 1), is_working=True, name="corrected")
    assert is_working_day(D(2027, 1, 1))


def test_a_published_year_is_its_notice_alone(db):
    # 2026's notice is loaded: 2026-01-02 (a 调休 day off) is off, make-up 01-04 worked.
    assert not is_working_day(D(2026, 1, 2)) and is_working_day(D(2026, 1, 4))
    CalendarYear.objects.filter(year=2026).update(published=False)
    # Unpublished again, the rows loaded stay and the statutory days are added: no change.
    assert not is_working_day(D(2026, 1, 2)) and is_working_day(D(2026, 1, 4))


def test_bulk_delete_and_update_are_seen_at_once(db):
    CalendarDay.objects.create(date=D(2031, 3, 3), is_working=False, name="Typhoon day")
    assert not is_working_day(D(2031, 3, 3))
    CalendarDay.objects.filter(date=D(2031, 3, 3)).delete()  # the admin's delete-selected
    assert is_working_day(D(2031, 3, 3))
    CalendarDay.objects.create(date=D(2031, 3, 4), is_working=False, name="Typhoon day")
    assert not is_working_day(D(2031, 3, 4))
    CalendarDay.objects.filter(date=D(2031, 3, 4)).update(is_working=True)
    assert is_working_day(D(2031, 3, 4))


CHILD = """
import datetime as dt, sys
import django
django.setup()
from casework.calendar import is_working_day
for line in sys.stdin:
    print(is_working_day(dt.date(2031, 3, 3)), flush=True)
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bulk_delete_is_seen_at_once_by_a_second_process(tmp_path):
    """A second process (another gunicorn worker, the sweep) that has read the calendar
    sees the admin's bulk delete at its very next computation: the version stamp in the
    shared cache changed. (PostgreSQL: the child must reach the test database, which on
    SQLite lives in this process's memory.)"""
    needs_postgres()
    cache_dir = tmp_path / "cache"
    shared = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(cache_dir),
        }
    }
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": url,
        "CACHE_URL": f"filecache://{cache_dir}",
        "LINLI_ENV": "test",
    }
    with override_settings(CACHES=shared):
        CalendarDay.objects.create(date=D(2031, 3, 3), is_working=False, name="Typhoon day")
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD],
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            child.stdin.write("ask\n")
            child.stdin.flush()
            assert child.stdout.readline().strip() == "False"  # read and kept
            CalendarDay.objects.filter(date=D(2031, 3, 3)).delete()
            child.stdin.write("ask\n")
            child.stdin.flush()
            assert child.stdout.readline().strip() == "True"
        finally:
            child.stdin.close()
            child.wait(timeout=30)
