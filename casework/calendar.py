"""Every period Linli counts, on the Chinese calendar: the one place for period arithmetic.

Three kinds of period, each named after its source:

- ``legal_period_end(start, days)`` — a period in days set by law (the 30 days for joint
  judicial confirmation, 人民调解法 Art. 33), counted as the Civil Procedure Law counts
  (Art. 85, 2023 text; 民法典 Arts. 201 and 203 say the same);
- ``add_months(start, n)`` — a period in months (the mediation's one-month time limit,
  《人民调解工作若干规定》Art. 37), ended as 民法典 Art. 202 ends it;
- working days (``add_working_days``, ``working_days_between``, ``is_working_day``) —
  the 12345 hotline scheme's and the street office's own time limits (DOMAIN.md §3).

The calendar is data (``CalendarDay`` rows for the days that differ from the weekend
rule, editable in the admin), seeded from the ``holidays`` package. A year whose official
schedule (the State Council's notice with its 调休 make-up days) is not loaded still keeps
the statutory holidays — 全国年节及纪念日放假办法 fixes them (``statutory_holidays``);
only its make-up days are unknown, and ``unpublished_years`` lets every page that shows a
deadline there warn.

Every process reads a year's exceptions once and keeps them until the calendar's version
stamp in the shared cache changes: any change to the calendar (a save, a delete, the
admin's bulk delete, ``load_calendar``) bumps it, so every worker sees the edit at its
next deadline computation, not an hour later.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import functools
import uuid

from django.core.cache import cache

from casework.models.calendar_days import (
    VERSION_KEY,
    CalendarDay,
    CalendarYear,
    calendar_changed,
)

# This process's copy of each year's exceptions, with the version it was read at.
_local: dict[int, tuple[str, dict[dt.date, bool]]] = {}


# ------------------------------------------------------------------ the version stamp


def calendar_version() -> str:
    """The calendar's current version stamp (shared by every process through the cache)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY) or "unversioned"
    return version


def bump_calendar_version() -> None:
    """Tell every process the calendar changed: their copies are stale from now on."""
    calendar_changed()
    _local.clear()


# ------------------------------------------------------------------ statutory holidays

# 全国年节及纪念日放假办法 (State Council, revised 2024-11-10, in force 2025-01-01),
# Art. 2: 元旦 1 day (1 January), 劳动节 2 days (1-2 May), 国庆节 3 days (1-3 October)
# fall on fixed dates of the Gregorian calendar.
FIXED_STATUTORY_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "元旦"),
    (5, 1, "劳动节"),
    (5, 2, "劳动节"),
    (10, 1, "国庆节"),
    (10, 2, "国庆节"),
    (10, 3, "国庆节"),
)


@functools.lru_cache(maxsize=32)
def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The days off the 全国年节及纪念日放假办法 (2024 revision, Art. 2) fixes for ``year``,
    before any State Council notice: 元旦 (1 Jan), 春节 (除夕 and 正月初一 to 初三), 清明节
    (the day of 清明), 劳动节 (1-2 May), 端午节 (the fifth of the fifth lunar month), 中秋节
    (the fifteenth of the eighth), 国庆节 (1-3 Oct).

    The fixed dates are written here; the lunar ones come from the ``holidays`` package's
    statutory days (``observed=False``: without its guesses at bridging days) where it
    computes the year. The make-up working days (调休) are never guessed.
    """
    days = {dt.date(year, month, day): name for month, day, name in FIXED_STATUTORY_HOLIDAYS}
    try:
        import holidays  # the lunar dates; imported here, not at every start

        lunar = holidays.China(years=year, observed=False, language="zh_CN")
    except Exception:  # a year the package cannot compute: the fixed dates still hold
        return days
    for day, name in lunar.items():
        if day.year == year:
            days.setdefault(day, name)
    return days


# ------------------------------------------------------------------ the calendar as data


def _read_year(year: int) -> dict[dt.date, bool]:
    days: dict[dt.date, bool] = {}
    if not CalendarYear.objects.filter(year=year, published=True).exists():
        days.update({day: False for day in statutory_holidays(year) if day.weekday() < 5})
    # Rows entered by staff or loaded from the official schedule win over the rule.
    days.update(CalendarDay.objects.filter(date__year=year).values_list("date", "is_working"))
    return days


def _exceptions(year: int, version: str | None = None) -> dict[dt.date, bool]:
    version = version or calendar_version()
    held = _local.get(year)
    if held is not None and held[0] == version:
        return held[1]
    key = f"linli:calendar:{version}:{year}"
    days = cache.get(key)
    if days is None:
        days = _read_year(year)
        cache.set(key, days, timeout=24 * 3600)
    _local[year] = (version, days)
    return days


class _Days:
    """Working-day look-ups within one computation: one version check, not one per day."""

    def __init__(self):
        self.version = calendar_version()

    def working(self, day: dt.date) -> bool:
        special = _exceptions(day.year, self.version).get(day)
        if special is not None:
            return special
        return day.weekday() < 5


def is_working_day(day: dt.date) -> bool:
    """Whether ``day`` is a working day: Monday to Friday unless the calendar says otherwise
    (a statutory holiday, a 调休 day off, or a make-up Saturday or Sunday that is worked)."""
    return _Days().working(day)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted).

    The time limits of the 12345 hotline scheme and the street office (sign for within 1
    working day, reply within 1 / 5 / 15, first contact, return visit: DOMAIN.md §3) are
    working days on the State Council's calendar, make-up days included.
    """
    calendar = _Days()
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if calendar.working(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in the half-open interval (start, end]; 0 when end <= start."""
    calendar = _Days()
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if calendar.working(day):
            count += 1
    return count


# ------------------------------------------------------------------ periods set by law


def legal_period_end(start: dt.date, days: int) -> dt.date:
    """The last day of a period of ``days`` days that begins on ``start``.

    民事诉讼法 (2023) Art. 85: 期间开始的时和日，不计算在期间内 — the starting day is not
    counted, so the period runs ``days`` days from the next day; 期间届满的最后一日是法定
    休假日的，以法定休假日后的第一日为期间届满的日期 — a last day that is a day off moves
    to the first working day after it (民法典 Art. 203 says the same).

    "法定休假日" here includes the ordinary weekend: Saturdays and Sundays are rest days by
    law (国务院关于职工工作时间的规定 Art. 7), and the courts move a period ending on a
    Sunday to Monday. A 调休 make-up Saturday is a working day, so a period ending on one
    ends there. Example: an agreement in effect on 2026-09-01 may be taken to court for
    confirmation (人民调解法 Art. 33, 30 days) until 2026-10-08, not 10-01 (National Day,
    off until 10-07).
    """
    end = start + dt.timedelta(days=days)
    calendar = _Days()
    while not calendar.working(end):
        end += dt.timedelta(days=1)
    return end


def add_months(start: dt.date, months: int) -> dt.date:
    """The last day of a period of ``months`` calendar months that begins on ``start``.

    民法典 Art. 202: 按照年、月计算期间的，到期月的对应日为期间的最后一日；没有对应日的，
    月末日为期间的最后一日 — the corresponding day of the last month, or that month's last
    day where it has none: 2026-01-31 + 1 month → 2026-02-28; 2026-03-31 → 2026-04-30.
    (Art. 201: the starting day is not counted, which the corresponding day already
    respects.) The mediation's one-month time limit (《人民调解工作若干规定》Art. 37) is
    such a period; it is a target for the committee, not a party's deadline, so it is not
    moved off a holiday.
    """
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = pycalendar.monthrange(year, month)[1]
    return dt.date(year, month, min(start.day, last))


# ------------------------------------------------------------------ the schedule


def unpublished_years(*years: int) -> list[int]:
    """Those of ``years`` whose official schedule is not loaded: their statutory holidays
    count, but their make-up working days are not known yet."""
    wanted = {y for y in years if y}
    published = set(
        CalendarYear.objects.filter(year__in=wanted, published=True).values_list("year", flat=True)
    )
    return sorted(wanted - published)


def unpublished_years_of(*dates: dt.date | None) -> list[int]:
    """The years of ``dates`` (Nones ignored) whose official schedule is not loaded: a
    page showing any of these deadlines warns that make-up days there are not known."""
    return unpublished_years(*{d.year for d in dates if d is not None})


def load_official_schedule(year: int) -> bool:
    """Load ``year`` from the ``holidays`` package (China, with 调休 make-up days).

    Returns whether the package had the year's schedule. A year the State Council has not
    published yet (no make-up days in the package) is left unpublished: its statutory
    holidays still count (``statutory_holidays``).
    """
    # Loaded when a year is seeded (migrations, load_calendar), not at every start.
    import holidays

    china = holidays.China(years=year)
    workdays = {d for d in getattr(china, "weekend_workdays", set()) if d.year == year}
    if not workdays:
        CalendarYear.objects.get_or_create(year=year)
        bump_calendar_version()
        return False
    for day, name in china.items():
        if day.weekday() < 5:  # a holiday on a weekday is an exception to the weekend rule
            CalendarDay.objects.update_or_create(
                date=day, defaults={"is_working": False, "name": name[:100]}
            )
    for day in workdays:
        CalendarDay.objects.update_or_create(
            date=day, defaults={"is_working": True, "name": "调休上班 (make-up working day)"}
        )
    CalendarYear.objects.update_or_create(
        year=year,
        defaults={"published": True, "source": f"holidays {holidays.__version__}"},
    )
    bump_calendar_version()
    return True
