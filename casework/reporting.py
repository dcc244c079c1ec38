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
  referrals that have replied or are past their reply date; its resolution rate: of its
  referrals as lead (主办), the cases accepted and resolved now; its satisfaction rate:
  ratings given in the period on cases it led, that say "satisfied".
- people's mediations: counted from the mediation records (ended with an agreement in
  effect, or without one, in the period), not from the case's outcome.

The numbers come from the summary tables (``casework.tallies``), kept current as cases
change, so the report costs the same at 10,000 cases as at 1,000,000.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from django.utils import timezone

from casework import hooks, tallies
from casework.models import OPEN_STATUSES, Case, Category, Organisation, Place, PlaceKind, Status
from core import documents


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

    def title(self) -> str:
        """The report's title by its range (月度 / 季度 / 年度 / 自定义期间): the one rule
        the PDF's letterhead prints too, ``core.documents.report_title``."""
        return documents.report_title(self.first, self.last)

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


def _histogram_median(histogram: list[tuple[int, int]]):
    """The median of the values counted in ``histogram`` (``[(value, count), ...]``)."""
    histogram = sorted(histogram)
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


MONTHLY = (
    "opened",
    "accepted",
    "done",
    "resolved",
    "ref_counted",
    "ref_in_time",
    "rated",
    "satisfied",
)
PER_ORGANISATION = (
    "ref",
    "ref_signed",
    "ref_replied",
    "ref_on_time",
    "org_lead",
    "org_lead_done",
    "org_rated",
    "org_satisfied",
)


def build(
    scope: tallies.Scope, period: Period, *, cases=None, today: dt.date | None = None
) -> Report:
    """The report over ``scope`` (the user's area with the page's filters), from the
    summary tables (``casework.tallies``): a handful of GROUP BYs over rows per estate,
    category and month, whatever the number of cases. ``cases`` (the same scope as a case
    queryset) is what the other apps' sections count over (``casework.hooks.report_counts``)."""
    today = today or timezone.localdate()
    report = Report(period=period)
    months = period.month_starts()
    window = {"first": period.first, "last": period.last}

    monthly: dict[str, dict[dt.date, int]] = {kind: dict.fromkeys(months, 0) for kind in MONTHLY}
    for kind, day, n in tallies.rows(scope, MONTHLY, group=("kind", "day"), **window):
        if day in monthly[kind]:
            monthly[kind][day] += n
    for month in months:
        report.months.append(
            {
                "month": month,
                "opened": monthly["opened"][month],
                "resolved": monthly["resolved"][month],
                "response": rate(monthly["ref_in_time"][month], monthly["ref_counted"][month]),
                "resolution": rate(monthly["done"][month], monthly["accepted"][month]),
                "satisfaction": rate(monthly["satisfied"][month], monthly["rated"][month]),
            }
        )

    def total(kind: str) -> int:
        return sum(monthly[kind].values())

    report.totals = {
        "opened": total("opened"),
        "resolved": total("resolved"),
        "response": rate(total("ref_in_time"), total("ref_counted")),
        "resolution": rate(total("done"), total("accepted")),
        "satisfaction": rate(total("satisfied"), total("rated")),
    }

    # Where and what (cases registered in the period), from the estates they count under.
    categories = {c.pk: c.label for c in Category.objects.all()}
    by_category: dict[int, int] = {}
    by_place: dict[int, int] = {}
    for category_id, place_id, n in tallies.rows(
        scope, ["opened"], group=("category_id", "place_id"), **window
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

    status_counts = {
        kind.removeprefix("status:"): n
        for kind, n in tallies.rows(scope, [f"status:{s}" for s in Status], group=("kind",))
    }
    report.by_status = [(s.value, s.label, status_counts.get(s.value, 0)) for s in Status]
    report.open_now = sum(n for s, n in status_counts.items() if s in OPEN_STATUSES)
    report.overdue_now = sum(
        row[-1]
        for row in tallies.rows(scope, ["due"], group=("kind",), last=today - dt.timedelta(days=1))
    )

    # Durations in working days, across holidays: stamped on each case when it happened,
    # so the medians come from histograms (a few dozen rows), not one row per case.
    histograms: dict[str, list[tuple[int, int]]] = {"first_contact_wd": [], "resolution_wd": []}
    for kind, value, n in tallies.rows(scope, list(histograms), group=("kind", "value"), **window):
        histograms[kind].append((value, n))
    report.median_first_contact = _histogram_median(histograms["first_contact_wd"])
    report.median_resolution = _histogram_median(histograms["resolution_wd"])

    # Organisations that received referrals in the period. A reply is due once replied or
    # once its date has passed (returned or recalled referrals owe none).
    per_org: dict[int, dict[str, int]] = {}
    for kind, org, n in tallies.rows(
        scope, PER_ORGANISATION, group=("kind", "organisation_id"), **window
    ):
        per_org.setdefault(org, dict.fromkeys(PER_ORGANISATION, 0))[kind] += n
    late_by_org: dict[int, int] = {}
    for row in tallies.rows(scope, ["ref_unreplied"], group=("organisation_id", "value"), **window):
        if row[1] < today.toordinal():
            late_by_org[row[0]] = late_by_org.get(row[0], 0) + row[2]
    names = dict(Organisation.objects.filter(pk__in=list(per_org)).values_list("pk", "name"))
    report.organisations = sorted(
        (
            {
                "name": names.get(org, "?"),
                "referrals": c["ref"],
                "response": rate(c["ref_signed"], c["ref"]),
                "on_time": rate(c["ref_on_time"], c["ref_replied"] + late_by_org.get(org, 0)),
                "resolution": rate(c["org_lead_done"], c["org_lead"]),
                "satisfaction": rate(c["org_satisfied"], c["org_rated"]),
            }
            for org, c in per_org.items()
            if c["ref"]
        ),
        key=lambda e: e["name"],
    )

    counts = hooks.report_counts(
        cases if cases is not None else Case.objects.all(), period.first, period.last
    )
    report.mediation = counts.get("mediation", {"agreement": 0, "failed": 0})
    return report
