"""Working-day arithmetic for deadlines, on Chinese working days.

The calendar is data (``CalendarDay`` rows for the days that differ from the weekend
rule, editable in the admin), seeded from the ``holidays`` package. A year whose
official schedule is not loaded falls back to plain weekends; ``unpublished_years``
tells the dashboard to warn. Each year's exceptions are read once into the cache.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache

from casework.models.calendar_days import CalendarDay, CalendarYear


def _exceptions(year: int) -> dict[dt.date, bool]:
    key = f"linli:calendar:{year}"
    days = cache.get(key)
    if days is None:
        days = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_working"))
        cache.set(key, days, timeout=3600)
    return days


def is_working_day(day: dt.date) -> bool:
    special = _exceptions(day.year).get(day)
    if special is not None:
        return special
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in the half-open interval (start, end]; 0 when end <= start."""
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def unpublished_years(*years: int) -> list[int]:
    """Those of ``years`` whose official schedule is not loaded (weekends-only there)."""

    published = set(
        CalendarYear.objects.filter(year__in=years, published=True).values_list("year", flat=True)
    )
    return sorted(set(years) - published)


def load_official_schedule(year: int) -> bool:
    """Load ``year`` from the ``holidays`` package (China, with 调休 make-up days).

    Returns whether the package had the year's schedule. A year the State Council has not
    published yet (no make-up days in the package) is left unpublished.
    """
    # Loaded when a year is seeded (migrations, load_calendar), not at every start.
    import holidays

    china = holidays.China(years=year)
    workdays = {d for d in getattr(china, "weekend_workdays", set()) if d.year == year}
    if not workdays:
        CalendarYear.objects.get_or_create(year=year)
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
    return True
