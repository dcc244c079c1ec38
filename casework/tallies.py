"""The summary tables behind the dashboard and the reports, kept current as cases change.

**What a case counts in** is one function, ``facts``: from the case, its referrals and its
ratings it lists the keys the case adds one to (a ``Counter``: two referrals to one
organisation in one month count twice). Everything else follows from it:

- ``refresh(case_id)`` — the one write path. It locks the case's ``TallyState`` row (what
  the case counted until now), computes what it counts now, and adds the difference to
  ``Tally`` with ``INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n`` in key order
  (so two transactions never wait on each other's rows in opposite orders). It is idempotent:
  calling it again changes nothing; calling it after a missed change makes the case right.
- **The choke point**: ``casework.signals`` calls ``refresh`` from ``post_save`` /
  ``post_delete`` of ``Case``, ``Referral`` and ``Rating`` — every service, the transition
  runner's save, the admin and any later code that saves one of them, in the same
  transaction as the change. We chose this over hooks in the services (the runner's after
  hook plus "the few services that change counted fields") because a counted field changed
  by a service written next year, or in the admin, cannot be forgotten here; the price is
  a few queries per save. ``QuerySet.update()`` and ``bulk_create`` bypass signals: no
  code path updates a counted field that way today (the benchmark generator bulk-inserts
  and then runs ``manage.py rebuild_tallies``); a place moved in the tree changes which
  estate its cases roll up to and needs a rebuild too (the admin's place history says when).
- ``rebuild()`` (``manage.py rebuild_tallies``) recomputes both tables from scratch;
  ``recount()`` is the same sums without writing, which the tests compare with the table.
- ``rows(scope)`` reads the table for a report or dashboard; a scope the table cannot
  answer (a place filter or a grant below an estate) is answered by running ``facts`` over
  that scope's cases instead — a building's cases, a few hundred.

The kinds (month = the first of the month of the named time, in the local time zone):

- ``status:<status>`` — every case, by its status now; ``due`` (day = due date) — cases
  whose clock runs, for "overdue now" (day before today);
- ``opened`` / ``accepted`` / ``done`` (registration month) — registered; of those, accepted;
  of those, resolved (or closed, archived) now — the resolution rate's two terms;
- ``resolved`` (month resolved); ``resolution_wd`` and ``first_contact_wd`` (month resolved /
  first contacted, value = working days) — the duration histograms;
- ``ref`` / ``ref_signed`` / ``ref_replied`` / ``ref_on_time`` (per organisation, dispatch
  month): referrals, signed for in time, replied, replied in time; ``ref_unreplied``
  (value = the reply date's ordinal): not replied, neither returned nor recalled — late
  once that date has passed; ``ref_counted`` / ``ref_in_time``: all organisations together,
  without referrals recalled before anyone signed (not the organisation's miss);
- ``org_lead`` / ``org_lead_done`` (per organisation, dispatch month): referrals as lead
  (主办), not recalled unsigned; of those, the case accepted and resolved now;
- ``rated`` / ``satisfied`` (rating month), and ``org_rated`` / ``org_satisfied`` per lead
  organisation of the rated case;
- ``cell_open`` — open cases by the grid cell (微网格) of their building, the cell's id in
  the organisation column (the dashboard's breakdown by cell). Cells are redrawn from time
  to time: a building moved to another cell refreshes its cases (``casework.signals``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Prefetch, Sum
from django.utils import timezone

from casework.models import (
    CLOCK_RUNNING_STATUSES,
    ENDED_STATUSES,
    OPEN_STATUSES,
    Case,
    Place,
    Rating,
    Referral,
    ReferralRole,
    ReferralStatus,
    Tally,
    TallyState,
)
from casework.models.places import PATH_SEGMENT

EPOCH = dt.date(1970, 1, 1)
ROLL_UP_DEPTH = 3  # street / area / estate: cases count at their estate
Key = tuple[str, int, int, int, str, int]  # kind, place, category, organisation, day, value


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of ``moment``'s month in the local time zone (as the reports count)."""
    return timezone.localtime(moment).date().replace(day=1)


def roll_up_path(path: str) -> str:
    """The tree path a place counts under: its estate, or itself above that level."""
    return path[: ROLL_UP_DEPTH * PATH_SEGMENT]


def facts(
    case: Case, place_id: int, referrals: Iterable, ratings: Iterable, cell: int | None = None
) -> Counter:
    """The keys ``case`` counts in (see the module's docstring), with ``place_id`` its
    rolled-up place and ``cell`` the grid cell of its building (None outside every cell).
    The one definition of every number the summary tables hold."""
    out: Counter = Counter()
    category = case.category_id
    tz = timezone.get_current_timezone()  # once: looking it up costs more than the rest

    def month_of(moment: dt.datetime) -> dt.date:
        return moment.astimezone(tz).date().replace(day=1)

    def add(kind: str, day: dt.date = EPOCH, value: int = 0, org: int = 0) -> None:
        out[(kind, place_id, category, org, day.isoformat(), value)] += 1

    add(f"status:{case.status}")
    if cell is not None and case.status in OPEN_STATUSES:
        add("cell_open", org=cell)
    if case.status in CLOCK_RUNNING_STATUSES and case.due_date:
        add("due", case.due_date)
    opened = month_of(case.created_at)
    add("opened", opened)
    done = case.accepted_at is not None and (
        case.status in ENDED_STATUSES or case.resolved_at is not None
    )
    if case.accepted_at is not None:
        add("accepted", opened)
        if done:
            add("done", opened)
    if case.resolved_at is not None:
        resolved = month_of(case.resolved_at)
        add("resolved", resolved)
        if case.resolution_working_days is not None:
            add("resolution_wd", resolved, case.resolution_working_days)
    if case.first_contact_at is not None and case.first_contact_working_days is not None:
        add("first_contact_wd", month_of(case.first_contact_at), case.first_contact_working_days)

    leads: set[int] = set()
    for r in referrals:
        month, org = month_of(r.dispatched_at), r.organisation_id
        counted = not (r.status == ReferralStatus.RECALLED and r.signed_at is None)
        add("ref", month, org=org)
        if r.signed_in_time:
            add("ref_signed", month, org=org)
        if r.replied_at is not None:
            add("ref_replied", month, org=org)
        elif r.status not in (ReferralStatus.RETURNED, ReferralStatus.RECALLED):
            add("ref_unreplied", month, r.reply_due.toordinal(), org=org)
        if r.replied_in_time:
            add("ref_on_time", month, org=org)
        if counted:
            add("ref_counted", month)
            if r.signed_in_time:
                add("ref_in_time", month)
            if r.role == ReferralRole.LEAD:
                leads.add(org)
                add("org_lead", month, org=org)
                if done:
                    add("org_lead_done", month, org=org)
    for rating in ratings:
        month = month_of(rating.created_at)
        add("rated", month)
        if rating.satisfied:
            add("satisfied", month)
        for org in sorted(leads):
            add("org_rated", month, org=org)
            if rating.satisfied:
                add("org_satisfied", month, org=org)
    return out


# ------------------------------------------------------------------ computing


def roll_up_ids() -> dict[int, int]:
    """Each place's id → the id of the place it counts under (one query; the place tree
    is small next to the cases)."""
    paths = dict(Place.objects.values_list("pk", "path"))
    by_path = {path: pk for pk, path in paths.items()}
    return {pk: by_path.get(roll_up_path(path), pk) for pk, path in paths.items()}


def cell_ids() -> dict[int, int]:
    """Each place's id → its grid cell's id: a building's own cell, a stairwell's
    building's (as ``casework.grid.in_cells_q`` reads them); places in no cell are left out.
    One query."""
    places = list(Place.objects.values_list("pk", "parent_id", "grid_id"))
    own = {pk: grid for pk, _parent, grid in places if grid is not None}
    cells = {}
    for pk, parent, _grid in places:
        cell = own.get(pk, own.get(parent))
        if cell is not None:
            cells[pk] = cell
    return cells


def _with_children(cases):
    return cases.order_by("pk").prefetch_related(
        Prefetch(
            "referrals",
            queryset=Referral.objects.only(
                "case_id",
                "organisation_id",
                "role",
                "status",
                "dispatched_at",
                "signed_at",
                "signed_in_time",
                "replied_at",
                "replied_in_time",
                "reply_due",
            ),
        ),
        Prefetch("ratings", queryset=Rating.objects.only("case_id", "satisfied", "created_at")),
    )


def facts_for(cases, *, chunk: int = 2000) -> Iterator[tuple[int, Counter]]:
    """``(case id, facts)`` for every case of the queryset, ``chunk`` cases per round trip."""
    rolled, cells = roll_up_ids(), cell_ids()
    queryset = _with_children(
        cases.only(
            "pk",
            "place_id",
            "category_id",
            "status",
            "due_date",
            "created_at",
            "accepted_at",
            "resolved_at",
            "resolution_working_days",
            "first_contact_at",
            "first_contact_working_days",
        )
    )
    for case in queryset.iterator(chunk_size=chunk):
        yield (
            case.pk,
            facts(
                case,
                rolled.get(case.place_id, case.place_id),
                case.referrals.all(),
                case.ratings.all(),
                cells.get(case.place_id),
            ),
        )


def recount(cases=None) -> Counter:
    """The summary tables' contents recomputed from the cases (all of them by default),
    without writing: what ``Tally`` must hold."""
    total: Counter = Counter()
    for _pk, counted in facts_for(cases if cases is not None else Case.objects.all()):
        total.update(counted)
    return total


def stored() -> Counter:
    """What ``Tally`` holds now, as a ``Counter`` of keys (zero rows left out)."""
    return Counter(
        {
            (kind, place, category, org, day.isoformat(), value): n
            for kind, place, category, org, day, value, n in Tally.objects.exclude(n=0).values_list(
                "kind", "place_id", "category_id", "organisation_id", "day", "value", "n"
            )
        }
    )


def encode(counter: Counter) -> list:
    """A case's keys as ``TallyState.keys`` holds them: ``[[*key, n], ...]``, sorted."""
    return sorted([*key, n] for key, n in counter.items() if n)


def decode(keys: list) -> Counter:
    """``TallyState.keys`` back to a ``Counter`` of keys."""
    return Counter({tuple(entry[:6]): entry[6] for entry in keys})


_UPSERT = (
    "INSERT INTO casework_tally (kind, place_id, category_id, organisation_id, day, value, n) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (kind, place_id, category_id, organisation_id, day, value) "
    "DO UPDATE SET n = casework_tally.n + excluded.n"
)


def _apply(delta: dict[Key, int]) -> None:
    rows = [(*key, n) for key, n in sorted(delta.items()) if n]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(_UPSERT, rows)


@transaction.atomic
def refresh(case_id: int) -> None:
    """Make what case ``case_id`` counts in the summary tables match the case as it is now
    (in the caller's transaction). Gone cases count in nothing."""
    if not Case.objects.filter(pk=case_id).exists():
        return
    state, _created = TallyState.objects.select_for_update().get_or_create(case_id=case_id)
    before = decode(state.keys)
    now: Counter = Counter()
    for _pk, counted in facts_for(Case.objects.filter(pk=case_id)):
        now = counted
    delta = {key: now.get(key, 0) - before.get(key, 0) for key in before.keys() | now.keys()}
    if any(delta.values()):
        _apply(delta)
        state.keys = encode(now)
        state.save(update_fields=["keys"])


def forget(case_id: int) -> None:
    """Take a case that is being deleted out of the counts (its state row goes with it)."""
    state = TallyState.objects.select_for_update().filter(case_id=case_id).first()
    if state is not None:
        _apply({key: -n for key, n in decode(state.keys).items()})


def rebuild(*, batch: int = 5000) -> tuple[int, int]:
    """Both summary tables recomputed from the cases, in one transaction: (cases, keys)."""
    total: Counter = Counter()
    cases = 0
    with transaction.atomic():
        Tally.objects.all().delete()
        TallyState.objects.all().delete()
        states: list[TallyState] = []
        for pk, counted in facts_for(Case.objects.all()):
            total.update(counted)
            states.append(TallyState(case_id=pk, keys=encode(counted)))
            cases += 1
            if len(states) >= batch:
                TallyState.objects.bulk_create(states)
                states = []
        TallyState.objects.bulk_create(states)
        Tally.objects.bulk_create(
            (
                Tally(
                    kind=kind,
                    place_id=place,
                    category_id=category,
                    organisation_id=org,
                    day=dt.date.fromisoformat(day),
                    value=value,
                    n=n,
                )
                for (kind, place, category, org, day, value), n in total.items()
                if n
            ),
            batch_size=batch,
        )
    return cases, len(total)


# --------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Scope:
    """Which cases a page counts: ``place_ids`` (rolled-up places; ``None`` for all) and
    ``category_id`` (``None`` for all) when the summary table can answer, else ``cases``
    (a queryset whose facts are computed on the spot)."""

    place_ids: frozenset[int] | None = None
    category_id: int | None = None
    cases: object = None


def scope_for(user, *, place: Place | None = None, category_id: int | None = None) -> Scope:
    """The scope of ``user``'s area, narrowed to ``place`` and ``category_id``. The table
    answers when the area and the place are whole rolled-up places (an estate, an area, the
    street): the places the user sees include, for each rolled-up place they touch, that
    place itself (grants are on an organisation's places and everything below them)."""
    from casework import selectors  # selectors imports the models this module needs too

    visible = None if user.is_superuser else set(selectors.visible_place_ids(user))
    paths = dict(Place.objects.values_list("pk", "path"))
    if place is not None and len(place.path) > ROLL_UP_DEPTH * PATH_SEGMENT:
        cases = selectors.cases_visible_to(user).filter(place__path__startswith=place.path)
        if category_id:
            cases = cases.filter(category_id=category_id)
        return Scope(cases=cases)
    rolled = roll_up_ids()
    if visible is not None:
        wanted = {rolled[pk] for pk in visible if pk in rolled}
        if not wanted <= visible:  # a grant below an estate: count that building's cases
            cases = selectors.cases_visible_to(user)
            if place is not None:
                cases = cases.filter(place__path__startswith=place.path)
            if category_id:
                cases = cases.filter(category_id=category_id)
            return Scope(cases=cases)
    else:
        wanted = None
    if place is not None:
        under = {pk for pk, path in paths.items() if path.startswith(place.path)}
        wanted = under if wanted is None else wanted & under
    elif wanted is not None and wanted == set(rolled.values()):
        wanted = None  # the whole street: no place list to test on every row
    return Scope(
        place_ids=None if wanted is None else frozenset(wanted & set(rolled.values())),
        category_id=category_id,
    )


def rows(
    scope: Scope, kinds: Iterable[str], *, group: tuple[str, ...], first=None, last=None
) -> list[tuple]:
    """Sums of ``n`` over the scope's keys of ``kinds``, grouped by ``group`` (names among
    kind, place_id, category_id, organisation_id, day, value), days within ``first`` ..
    ``last`` when given: ``[(*group values, n), ...]``, from the table or computed."""
    kinds = list(kinds)
    if scope.cases is not None:
        names = ("kind", "place_id", "category_id", "organisation_id", "day", "value")
        index = [names.index(g) for g in group]
        sums: Counter = Counter()
        for key, n in recount(scope.cases).items():
            day = dt.date.fromisoformat(key[4])
            if key[0] not in kinds or (first and day < first) or (last and day > last):
                continue
            sums[tuple(day if i == 4 else key[i] for i in index)] += n
        return [(*key, n) for key, n in sums.items() if n]
    queryset = Tally.objects.filter(kind__in=kinds)
    if scope.place_ids is not None:
        queryset = queryset.filter(place_id__in=sorted(scope.place_ids))
    if scope.category_id:
        queryset = queryset.filter(category_id=scope.category_id)
    if first is not None:
        queryset = queryset.filter(day__gte=first)
    if last is not None:
        queryset = queryset.filter(day__lte=last)
    return [
        (*row[:-1], row[-1])
        for row in queryset.order_by().values_list(*group).annotate(total=Sum("n"))
        if row[-1]
    ]
