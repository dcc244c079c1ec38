"""The supervisors' report: what a street office sends the district each month.

Every number is computed from the cases the user may see, in a period (months), with
optional category and place filters. Durations are in working days (the calendar's, with
holidays and make-up days), taken from a cumulative index so that tens of thousands of
cases cost one pass. Rates are exact fractions, shown as percentages.

Definitions (also printed under the report):
- opened: cases registered in the month; resolved: cases whose resolution was recorded
  in the month; open now: cases in an open state today; overdue now: open cases whose
  clock runs and whose due date has passed.
- first contact: the officer starting work on the case (``first_contact_at``).
- response rate: referrals dispatched in the month that were signed for by their sign-for
  date; resolution rate: accepted cases registered in the month that are resolved (or
  closed, archived) today; satisfaction rate: ratings given in the month that say
  "satisfied". On-time rate of an organisation: replies given by the reply date, of its
  referrals that have replied or are past their reply date.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from casework.calendar import is_working_day
from casework.models import (
    CLOCK_RUNNING_STATUSES,
    ENDED_STATUSES,
    OPEN_STATUSES,
    Category,
    Outcome,
    Place,
    PlaceKind,
    Rating,
    Referral,
    Status,
)


@dataclass(frozen=True)
class Period:
    first: dt.date  # the first day of the first month
    last: dt.date  # the last day of the last month

    @classmethod
    def months(cls, start: dt.date, end: dt.date) -> Period:
        first = start.replace(day=1)
        following = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return cls(first, following - dt.timedelta(days=1))

    @classmethod
    def last_months(cls, n: int, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        year, month = today.year, today.month - (n - 1)
        while month < 1:
            month += 12
            year -= 1
        return cls.months(dt.date(year, month, 1), today)

    def month_starts(self) -> list[dt.date]:
        out, day = [], self.first
        while day <= self.last:
            out.append(day)
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return out

    def bounds(self):
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.first, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return start, end


class WorkingDayIndex:
    """Working days between two dates in O(1) after one pass over the range."""

    def __init__(self, first: dt.date, last: dt.date):
        self.first = first
        self.cumulative = [0]
        day = first
        while day < last:
            day += dt.timedelta(days=1)
            self.cumulative.append(self.cumulative[-1] + (1 if is_working_day(day) else 0))

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end], as ``calendar.working_days_between``."""
        if end <= start:
            return 0
        return self.cumulative[(end - self.first).days] - self.cumulative[(start - self.first).days]


def rate(numerator: int, denominator: int) -> dict:
    share = Fraction(numerator, denominator) if denominator else None
    return {
        "numerator": numerator,
        "denominator": denominator,
        "percent": None if share is None else round(float(share * 100), 1),
    }


def _median(values: list[int]):
    return statistics.median(values) if values else None


@dataclass
class Report:
    period: Period
    months: list[dict] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_area: list[tuple[str, int]] = field(default_factory=list)
    by_estate: list[tuple[str, int]] = field(default_factory=list)
    by_status: list[tuple[str, str, int]] = field(default_factory=list)
    open_now: int = 0
    overdue_now: int = 0
    median_first_contact: float | None = None
    median_resolution: float | None = None
    organisations: list[dict] = field(default_factory=list)
    mediation: dict = field(default_factory=dict)
    totals: dict = field(default_factory=dict)


def _month_key(value) -> dt.date:
    return (
        timezone.localtime(value).date().replace(day=1) if isinstance(value, dt.datetime) else value
    )


def _counts_by_month(queryset, field_name: str) -> dict[dt.date, int]:
    rows = (
        queryset.order_by()
        .annotate(month=TruncMonth(field_name))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    out: dict[dt.date, int] = {}
    for month, n in rows:
        key = _month_key(month)
        out[key] = out.get(key, 0) + n
    return out


def build(cases, period: Period, *, today: dt.date | None = None) -> Report:
    """The report over ``cases`` (already scoped to the user and filtered)."""
    today = today or timezone.localdate()
    start, end = period.bounds()
    report = Report(period=period)
    in_period = cases.filter(created_at__gte=start, created_at__lt=end)
    resolved_in_period = cases.filter(resolved_at__gte=start, resolved_at__lt=end)

    opened = _counts_by_month(in_period, "created_at")
    resolved = _counts_by_month(resolved_in_period, "resolved_at")

    # Resolution rate by registration month: accepted cases, how many are resolved now.
    accepted = in_period.filter(accepted_at__isnull=False)
    accepted_by_month = _counts_by_month(accepted, "created_at")
    done_by_month = _counts_by_month(
        accepted.filter(Q(status__in=list(ENDED_STATUSES)) | Q(resolved_at__isnull=False)),
        "created_at",
    )
    # Referrals of these cases, by dispatch month.
    referrals = Referral.objects.filter(
        case__in=cases, dispatched_at__gte=start, dispatched_at__lt=end
    )
    sign_rows = list(referrals.values_list("dispatched_at", "signed_at", "sign_due", "status"))
    dispatched_by_month: dict[dt.date, int] = {}
    in_time_by_month: dict[dt.date, int] = {}
    for dispatched_at, signed_at, sign_due, status in sign_rows:
        if status == "recalled" and signed_at is None:
            continue  # recalled before anyone could sign: not the organisation's miss
        key = _month_key(dispatched_at)
        dispatched_by_month[key] = dispatched_by_month.get(key, 0) + 1
        if signed_at is not None and timezone.localtime(signed_at).date() <= sign_due:
            in_time_by_month[key] = in_time_by_month.get(key, 0) + 1
    ratings = Rating.objects.filter(case__in=cases, created_at__gte=start, created_at__lt=end)
    rated = _counts_by_month(ratings, "created_at")
    satisfied = _counts_by_month(ratings.filter(satisfied=True), "created_at")

    for month in period.month_starts():
        report.months.append(
            {
                "month": month,
                "opened": opened.get(month, 0),
                "resolved": resolved.get(month, 0),
                "response": rate(in_time_by_month.get(month, 0), dispatched_by_month.get(month, 0)),
                "resolution": rate(done_by_month.get(month, 0), accepted_by_month.get(month, 0)),
                "satisfaction": rate(satisfied.get(month, 0), rated.get(month, 0)),
            }
        )
    report.totals = {
        "opened": sum(opened.values()),
        "resolved": sum(resolved.values()),
        "response": rate(sum(in_time_by_month.values()), sum(dispatched_by_month.values())),
        "resolution": rate(sum(done_by_month.values()), sum(accepted_by_month.values())),
        "satisfaction": rate(sum(satisfied.values()), sum(rated.values())),
    }

    # Where and what (cases registered in the period).
    categories = {c.pk: c.label for c in Category.objects.all()}
    by_category = dict(
        in_period.order_by()
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    report.by_category = sorted(
        ((categories.get(pk, "?"), n) for pk, n in by_category.items()), key=lambda r: -r[1]
    )
    by_place = dict(
        in_period.order_by().values_list("place").annotate(n=Count("id")).values_list("place", "n")
    )
    places = {p.path: p for p in Place.objects.filter(kind__in=[PlaceKind.AREA, PlaceKind.ESTATE])}
    place_paths = dict(Place.objects.filter(pk__in=list(by_place)).values_list("pk", "path"))
    areas: dict[str, int] = {}
    estates: dict[str, int] = {}
    for pk, n in by_place.items():
        path = place_paths.get(pk, "")
        for prefix_len, bucket in ((18, areas), (27, estates)):
            place = places.get(path[:prefix_len])
            if place is not None:
                bucket[place.name] = bucket.get(place.name, 0) + n
    report.by_area = sorted(areas.items(), key=lambda r: -r[1])
    report.by_estate = sorted(estates.items(), key=lambda r: -r[1])

    status_counts = dict(
        cases.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    report.by_status = [(s.value, s.label, status_counts.get(s.value, 0)) for s in Status]
    report.open_now = sum(n for s, n in status_counts.items() if s in OPEN_STATUSES)
    report.overdue_now = cases.filter(
        status__in=list(CLOCK_RUNNING_STATUSES), due_date__lt=today
    ).count()

    # Durations in working days, across holidays.
    durations = list(
        cases.filter(
            Q(first_contact_at__gte=start, first_contact_at__lt=end)
            | Q(resolved_at__gte=start, resolved_at__lt=end)
        ).values_list("created_at", "first_contact_at", "resolved_at")
    )
    if durations:
        first_day = min(timezone.localtime(c).date() for c, _f, _r in durations)
        index = WorkingDayIndex(first_day - dt.timedelta(days=1), max(period.last, today))
        contact, resolution = [], []
        for created, first_contact, resolved_at in durations:
            created_day = timezone.localtime(created).date()
            if first_contact is not None and start <= first_contact < end:
                contact.append(index.between(created_day, timezone.localtime(first_contact).date()))
            if resolved_at is not None and start <= resolved_at < end:
                resolution.append(
                    index.between(created_day, timezone.localtime(resolved_at).date())
                )
        report.median_first_contact = _median(contact)
        report.median_resolution = _median(resolution)

    # Organisations that received referrals in the period.
    per_org: dict[int, dict] = {}
    rows = referrals.values_list(
        "organisation_id",
        "organisation__name",
        "signed_at",
        "sign_due",
        "replied_at",
        "reply_due",
        "status",
    )
    for org_id, name, signed_at, sign_due, replied_at, reply_due, status in rows:
        entry = per_org.setdefault(
            org_id,
            {
                "name": name,
                "referrals": 0,
                "signed_in_time": 0,
                "replied": 0,
                "due": 0,
                "on_time": 0,
            },
        )
        entry["referrals"] += 1
        if signed_at is not None and timezone.localtime(signed_at).date() <= sign_due:
            entry["signed_in_time"] += 1
        if replied_at is not None:
            entry["due"] += 1
            entry["replied"] += 1
            if timezone.localtime(replied_at).date() <= reply_due:
                entry["on_time"] += 1
        elif reply_due < today and status not in {"returned", "recalled"}:
            entry["due"] += 1  # past its reply date without a reply: late
    report.organisations = sorted(
        (
            {
                "name": e["name"],
                "referrals": e["referrals"],
                "response": rate(e["signed_in_time"], e["referrals"]),
                "on_time": rate(e["on_time"], e["due"]),
            }
            for e in per_org.values()
        ),
        key=lambda e: e["name"],
    )

    outcomes = dict(
        resolved_in_period.filter(
            outcome__in=[Outcome.MEDIATION_AGREEMENT, Outcome.MEDIATION_FAILED]
        )
        .order_by()
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    report.mediation = {
        "agreement": outcomes.get(Outcome.MEDIATION_AGREEMENT, 0),
        "failed": outcomes.get(Outcome.MEDIATION_FAILED, 0),
    }
    return report
