"""The supervisors' report: what a street office sends the district each month.

Every number is computed from the cases the user may see, in a period (months), with
optional category and place filters. Durations are in working days (the calendar's, with
holidays and make-up days), taken from a cumulative index so that tens of thousands of
cases cost one pass. Rates are exact fractions, shown as percentages.

Definitions (also printed under the report):
- opened: cases registered in the month; resolved: cases whose resolution was recorded
  in the month; open now: cases in an open state today; overdue now: open cases whose
  clock runs and whose due date has passed.
- first contact: the officer starting work on the case (``first_contact_at``). Working
  days to first contact and to resolution are stamped on the case when they happen.
- response rate: referrals dispatched in the month that were signed for by their sign-for
  date; resolution rate: accepted cases registered in the month that are resolved (or
  closed, archived) today; satisfaction rate: ratings given in the month that say
  "satisfied". On-time rate of an organisation: replies given by the reply date, of its
  referrals that have replied or are past their reply date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

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
    """A report period: whole months, from the first day of the first to the last of the last."""

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


def rate(numerator: int, denominator: int) -> dict:
    """A rate as numerator, denominator and a percentage rounded to one place (None without a
    denominator)."""
    share = Fraction(numerator, denominator) if denominator else None
    return {
        "numerator": numerator,
        "denominator": denominator,
        "percent": None if share is None else round(float(share * 100), 1),
    }


def _histogram_median(queryset, field_name: str):
    """The median of ``field_name`` over the rows, from ``GROUP BY value`` counts."""
    histogram = sorted(
        queryset.exclude(**{field_name: None})
        .order_by()
        .values_list(field_name)
        .annotate(n=Count("id"))
        .values_list(field_name, "n")
    )
    total = sum(n for _v, n in histogram)
    if not total:
        return None

    def value_at(position: int) -> int:  # 0-based position in the sorted values
        seen = 0
        for value, n in histogram:
            seen += n
            if position < seen:
                return value
        raise AssertionError("position beyond the histogram")

    if total % 2:
        return value_at(total // 2)
    low, high = value_at(total // 2 - 1), value_at(total // 2)
    return (low + high) / 2 if low != high else low


@dataclass
class Report:
    """The numbers of one report."""

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


def _month_edges(months: list[dt.date]) -> list[dt.datetime]:
    tz = timezone.get_current_timezone()
    following = (months[-1].replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return [dt.datetime.combine(m, dt.time.min, tzinfo=tz) for m in [*months, following]]


def _counts_by_month(
    queryset, field_name: str, months: list[dt.date], metrics: dict[str, Q] | None = None
) -> dict[str, dict[dt.date, int]]:
    """Counts per month (and per metric) in one GROUP BY over a month number computed in
    SQL as ``CASE WHEN field < edge1 THEN 0 WHEN field < edge2 THEN 1 ...``. TruncMonth on
    SQLite calls a Python function per row, and 12 × n ``COUNT(...) FILTER`` columns test
    every filter on every row: both cost seconds or near at 100,000 cases."""
    edges = _month_edges(months)
    metrics = metrics or {"n": Q()}
    bucket = Case(
        *[When(**{f"{field_name}__lt": edges[i + 1]}, then=Value(i)) for i in range(len(months))],
        default=Value(-1),
        output_field=IntegerField(),
    )
    flags = {
        f"f_{name}": Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())
        for name, q in metrics.items()
        if q
    }
    rows = (
        queryset.filter(**{f"{field_name}__gte": edges[0], f"{field_name}__lt": edges[-1]})
        .order_by()
        .annotate(bucket=bucket, **flags)
        .values("bucket", *flags)
        .annotate(n=Count("id"))
    )
    out = {name: dict.fromkeys(months, 0) for name in metrics}
    for row in rows:
        if not 0 <= row["bucket"] < len(months):
            continue
        month = months[row["bucket"]]
        for name, q in metrics.items():
            if not q or row[f"f_{name}"]:
                out[name][month] += row["n"]
    return out


def build(cases, period: Period, *, today: dt.date | None = None) -> Report:
    """The report over ``cases`` (already scoped to the user and filtered)."""
    today = today or timezone.localdate()
    start, end = period.bounds()
    report = Report(period=period)
    in_period = cases.filter(created_at__gte=start, created_at__lt=end)
    resolved_in_period = cases.filter(resolved_at__gte=start, resolved_at__lt=end)

    months = period.month_starts()
    # Opened, and (for the resolution rate by registration month) accepted and, of those,
    # resolved now: one scan.
    by_registration = _counts_by_month(
        in_period,
        "created_at",
        months,
        {
            "opened": Q(),
            "accepted": Q(accepted_at__isnull=False),
            "done": Q(accepted_at__isnull=False)
            & (Q(status__in=list(ENDED_STATUSES)) | Q(resolved_at__isnull=False)),
        },
    )
    opened = by_registration["opened"]
    accepted_by_month = by_registration["accepted"]
    done_by_month = by_registration["done"]
    resolved = _counts_by_month(resolved_in_period, "resolved_at", months)["n"]
    # Referrals of these cases, by dispatch month.
    # An unfiltered case set (a street-level user) needs no "case IN (...)" on the joins.
    of_cases = Q(case__in=cases) if cases.query.where else Q()
    referrals = Referral.objects.filter(of_cases, dispatched_at__gte=start, dispatched_at__lt=end)
    # Recalled before anyone signed: not the organisation's miss.
    counted = referrals.exclude(status="recalled", signed_at__isnull=True)
    by_dispatch = _counts_by_month(
        counted, "dispatched_at", months, {"dispatched": Q(), "in_time": Q(signed_in_time=True)}
    )
    dispatched_by_month, in_time_by_month = by_dispatch["dispatched"], by_dispatch["in_time"]
    ratings = Rating.objects.filter(of_cases, created_at__gte=start, created_at__lt=end)
    by_rating = _counts_by_month(
        ratings, "created_at", months, {"rated": Q(), "satisfied": Q(satisfied=True)}
    )
    rated, satisfied = by_rating["rated"], by_rating["satisfied"]

    for month in months:
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
    by_category: dict[int, int] = {}
    by_place: dict[int, int] = {}
    for category_id, place_id, n in (
        in_period.order_by()
        .values_list("category", "place")
        .annotate(n=Count("id"))
        .values_list("category", "place", "n")
    ):
        by_category[category_id] = by_category.get(category_id, 0) + n
        by_place[place_id] = by_place.get(place_id, 0) + n
    report.by_category = sorted(
        ((categories.get(pk, "?"), n) for pk, n in by_category.items()), key=lambda r: -r[1]
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

    # Durations in working days, across holidays: stamped on each case when it happened,
    # so the medians come from a histogram (a few dozen rows), not one row per case.
    report.median_first_contact = _histogram_median(
        cases.filter(first_contact_at__gte=start, first_contact_at__lt=end),
        "first_contact_working_days",
    )
    report.median_resolution = _histogram_median(resolved_in_period, "resolution_working_days")

    # Organisations that received referrals in the period. A reply is due once replied or
    # once its date has passed (returned or recalled referrals owe none).
    late_unreplied = Q(replied_at__isnull=True, reply_due__lt=today) & ~Q(
        status__in=["returned", "recalled"]
    )
    per_org = (
        referrals.order_by()
        .values("organisation_id", "organisation__name")
        .annotate(
            n=Count("id"),
            signed=Count("id", filter=Q(signed_in_time=True)),
            due=Count("id", filter=Q(replied_at__isnull=False) | late_unreplied),
            on_time=Count("id", filter=Q(replied_in_time=True)),
        )
    )
    report.organisations = sorted(
        (
            {
                "name": row["organisation__name"],
                "referrals": row["n"],
                "response": rate(row["signed"], row["n"]),
                "on_time": rate(row["on_time"], row["due"]),
            }
            for row in per_org
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
