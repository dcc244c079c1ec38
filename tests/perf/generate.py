"""The benchmark street: N cases with their parties, events, referrals and ratings, written
by PostgreSQL's ``COPY`` (psycopg 3's ``cursor.copy``) or, on SQLite, ``executemany``.

Rows are tuples built from one template instance per model (every column's default, so a
column added later needs no change here) with the generated values put in by position;
ids are given, not read back, so that a case's parties, events, referrals and ratings are
written in the same pass. The summary tables are filled in the same pass through the one
definition of what a case counts in (``casework.tallies.facts``), so no recount is needed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections import Counter
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from casework import tallies
from casework.calendar import is_working_day, working_days_between
from casework.models import (
    Case,
    CaseEvent,
    Category,
    Channel,
    EventKind,
    Organisation,
    Outcome,
    Party,
    PartyRole,
    Place,
    PlaceKind,
    Priority,
    Rating,
    Referral,
    Status,
    Tally,
    TallyState,
)
from casework.phones import phone_key
from core.models import YearSequence

ENDED = {Status.RESOLVED, Status.CLOSED, Status.ARCHIVED}
BATCH = 20000
EPOCH = dt.date(1970, 1, 1)


class Writer:
    """Rows of one model as tuples in column order, written in batches."""

    def __init__(self, model, *, database_ids: bool = False, **defaults):
        self.model = model
        self.fields = [
            f for f in model._meta.concrete_fields if not (database_ids and f.primary_key)
        ]
        template = model(**defaults)
        self.columns = [f.column for f in self.fields]
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        self.template = [getattr(template, f.attname) for f in self.fields]
        for i, f in enumerate(self.fields):
            if isinstance(f, models.DateTimeField) and self.template[i] is not None:
                self.template[i] = timezone.now()
        self.rows: list[list] = []
        self.sqlite = connection.vendor == "sqlite"
        self.adapt = [self._adapter(f) for f in self.fields]

    def _adapter(self, field):
        if isinstance(field, models.JSONField):
            # Most rows carry the column's empty default: dump it once, not per row.
            empty = json.dumps(field.get_default())
            return lambda v: None if v is None else empty if not v else json.dumps(v)
        if _converts_values(field):
            # A field with its own conversion (an encrypted phone, #27): the value is
            # written as the field would write it, not as the plain text COPY would.
            return lambda v: field.get_db_prep_save(v, connection)
        if not self.sqlite:
            return None
        if isinstance(field, models.DateTimeField):
            return connection.ops.adapt_datetimefield_value
        if isinstance(field, models.DateField):
            return connection.ops.adapt_datefield_value
        return None

    def add(self, **values) -> None:
        row = self.template.copy()
        index = self.index
        for name, value in values.items():
            row[index[name]] = value
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        for i, adapt in enumerate(self.adapt):
            if adapt is not None:
                for row in self.rows:
                    row[i] = adapt(row[i])
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            if self.sqlite:
                marks = ", ".join("?" * len(self.columns))
                cursor.executemany(
                    f'INSERT INTO "{table}" ({", ".join(self.columns)}) VALUES ({marks})',
                    self.rows,
                )
            else:
                raw = cursor.cursor  # psycopg 3
                columns = ", ".join(f'"{c}"' for c in self.columns)
                with raw.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                    for row in self.rows:
                        copy.write_row(row)
        self.rows = []


def _converts_values(field) -> bool:
    """Whether ``field``'s class changes values on their way to the database beyond what
    its nearest Django field class does (e.g. an encrypting field): such values go
    through ``get_db_prep_save`` before COPY. Plain Django fields, and subclasses that
    only add behaviour elsewhere (django-fsm's state field), are written as they are."""
    base = next(
        (k for k in type(field).__mro__ if k.__module__.startswith("django.db.models")), None
    )
    if base is None:
        return True
    return any(
        getattr(type(field), name) is not getattr(base, name)
        for name in ("get_prep_value", "get_db_prep_value", "get_db_prep_save")
    )


def _next_id(model) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


def generate(n: int) -> float:
    """Write cases up to ``n`` (1–2 parties and 3 events each; one in ten referred, one
    resolved case in three rated) and their summary counts; returns seconds taken."""
    started = time.perf_counter()
    if not Place.objects.exists():
        with open("/dev/null", "w") as quiet:
            call_command("seed_demo", cases=0, stdout=quiet)
    rng = random.Random(7)
    buildings = list(Place.objects.filter(kind=PlaceKind.BUILDING))
    committees = {
        o.places.first().path: o
        for o in Organisation.objects.filter(kind="residents_committee").prefetch_related("places")
    }
    rolled, cells = tallies.roll_up_ids(), tallies.cell_ids()
    officers = list(get_user_model().objects.filter(username__startswith="mediator"))
    categories = list(Category.objects.all())
    agencies = list(Organisation.objects.exclude(kind="residents_committee")[:6])
    statuses = list(Status)
    channels, priorities = list(Channel.values), list(Priority.values)
    org_of = {
        b.pk: next(o for path, o in committees.items() if b.path.startswith(path))
        for b in buildings
    }
    now = timezone.now()
    working_days = _working_days_counter(now.date() - dt.timedelta(days=400), now.date())
    descriptions = ["噪音扰民，夜间施工。" * k for k in range(1, 6)]

    have = Case.objects.count()
    case_id, party_id, event_id = _next_id(Case), _next_id(Party), _next_id(CaseEvent)
    referral_id, rating_id = _next_id(Referral), _next_id(Rating)
    cases = Writer(Case, status=Status.REGISTERED)
    parties, events = Writer(Party), Writer(CaseEvent)
    referrals, ratings, states = Writer(Referral), Writer(Rating), Writer(TallyState)
    total: Counter = Counter()
    first_case = case_id
    bulk = n - have > 50_000  # below this, dropping and rebuilding does not pay
    loaded = [Case, Party, CaseEvent, Referral, Rating, TallyState]
    recreate = (_foreign_keys_dropped(loaded) + _indexes_dropped(loaded)) if bulk else []
    zone = timezone.get_current_timezone()  # once: timezone.localtime() looks it up per call
    with transaction.atomic():
        for i in range(have, n):
            building = rng.choice(buildings)
            status = rng.choice(statuses)
            if status == Status.MERGED and case_id == first_case:
                status = Status.REGISTERED
            created = now - dt.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
            worked = status not in {Status.REGISTERED, Status.REJECTED, Status.MERGED}
            accepted = created + dt.timedelta(hours=rng.randint(1, 30)) if worked else None
            contact = (
                accepted + dt.timedelta(hours=rng.randint(1, 60))
                if worked and status != Status.ACCEPTED
                else None
            )
            resolved = created + dt.timedelta(days=rng.randint(1, 25)) if status in ENDED else None
            if status == Status.MERGED:
                outcome = Outcome.DUPLICATE
            else:
                outcome = Outcome.RESOLVED if status in ENDED else ""
            category = rng.choice(categories)
            local_created = created.astimezone(zone).date()
            case = SimpleNamespace(
                pk=case_id,
                category_id=category.pk,
                status=status,
                due_date=(created + dt.timedelta(days=rng.randint(3, 30))).date(),
                created_at=created,
                accepted_at=accepted,
                resolved_at=resolved,
                first_contact_at=contact,
                first_contact_working_days=working_days(
                    local_created, contact.astimezone(zone).date()
                )
                if contact
                else None,
                resolution_working_days=working_days(
                    local_created, resolved.astimezone(zone).date()
                )
                if resolved
                else None,
            )
            officer = rng.choice(officers) if status != Status.REGISTERED else None
            cases.add(
                id=case_id,
                reference=f"2026-{i + 1:06d}",
                organisation_id=org_of[building.pk].pk,
                channel=rng.choice(channels),
                category_id=category.pk,
                place_id=building.pk,
                description=rng.choice(descriptions),
                priority=rng.choice(priorities),
                assigned_officer_id=officer.pk if officer else None,
                status=status,
                outcome=outcome,
                merged_into_id=rng.randrange(first_case, case_id)
                if status == Status.MERGED
                else None,
                created_at=created,
                updated_at=created,
                accepted_at=accepted,
                first_contact_at=contact,
                resolved_at=resolved,
                first_contact_working_days=case.first_contact_working_days,
                resolution_working_days=case.resolution_working_days,
                due_date=case.due_date,
            )
            phone = f"138{case_id:08d}"[-11:]
            for k in range(rng.randint(1, 2)):
                parties.add(
                    id=party_id,
                    case_id=case_id,
                    role=PartyRole.APPLICANT if k == 0 else PartyRole.RESPONDENT,
                    name=f"居民{case_id}-{k}",
                    phone=phone,
                    phone_key=phone_key(phone),  # what Party.save() keeps (casework.phones)
                )
                party_id += 1
            for kind, values in (
                (EventKind.REGISTERED, {"to_status": Status.REGISTERED, "is_public": True}),
                (EventKind.NOTE, {"note": "已联系诉求人。"}),
                (
                    EventKind.TRANSITION,
                    {
                        "transition": "accept",
                        "from_status": Status.REGISTERED,
                        "to_status": status,
                    },
                ),
            ):
                events.add(id=event_id, case_id=case_id, kind=kind, created_at=created, **values)
                event_id += 1
            case_referrals, case_ratings = [], []
            if accepted and rng.random() < 0.1:
                sent = accepted + dt.timedelta(hours=2)
                signed = sent + dt.timedelta(hours=rng.randint(1, 48))
                replied = signed + dt.timedelta(days=rng.randint(1, 9))
                referral = SimpleNamespace(
                    organisation_id=rng.choice(agencies).pk,
                    role="lead",
                    status="closed",
                    dispatched_at=sent,
                    signed_at=signed,
                    signed_in_time=signed.date() <= (sent + dt.timedelta(days=1)).date(),
                    reply_due=(sent + dt.timedelta(days=7)).date(),
                    replied_at=replied,
                    replied_in_time=replied.date() <= (sent + dt.timedelta(days=7)).date(),
                )
                referrals.add(
                    id=referral_id,
                    case_id=case_id,
                    kind="complaint",
                    instructions="请核查处置。",
                    dispatched_by_id=officers[0].pk,
                    sign_due=(sent + dt.timedelta(days=1)).date(),
                    ended_at=replied,
                    reply="已处置。",
                    **vars(referral),
                )
                referral_id += 1
                case_referrals.append(referral)
            if resolved and rng.random() < 0.33:
                rating = SimpleNamespace(
                    satisfied=rng.random() < 0.8, created_at=resolved + dt.timedelta(days=1)
                )
                ratings.add(
                    id=rating_id,
                    case_id=case_id,
                    efficiency=rng.randint(1, 5),
                    attitude=rng.randint(1, 5),
                    result=rng.randint(1, 5),
                    **vars(rating),
                )
                rating_id += 1
                case_ratings.append(rating)
            counted = tallies.facts(
                case, rolled[building.pk], case_referrals, case_ratings, cells.get(building.pk)
            )
            total.update(counted)
            states.add(case_id=case_id, keys=tallies.encode(counted))
            case_id += 1
        for writer in (cases, parties, events, referrals, ratings, states):
            writer.flush()
        _add_to_tallies(total)
    if recreate:
        print(f"  loaded in {time.perf_counter() - started:.1f} s; indexing...", flush=True)
        with transaction.atomic(), connection.cursor() as cursor:
            # Indexes first: checking a foreign key added back is one join per key.
            for definition in sorted(recreate, key=lambda d: d.startswith("ALTER")):
                cursor.execute(definition)
    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(
                no_style(), [Case, Party, CaseEvent, Referral, Rating]
            ):
                cursor.execute(sql)
        YearSequence.objects.update_or_create(name="case", year=2026, defaults={"last": n})
    return time.perf_counter() - started


def _add_to_tallies(total: Counter) -> None:
    """Add ``total`` to what the summary table holds (the table may already count the
    demo's cases)."""
    held = tallies.stored()
    Tally.objects.all().delete()
    held.update(total)
    rows = Writer(Tally, database_ids=True, day=EPOCH)
    for (kind, place, category, org, day, value), count in held.items():
        if count:
            rows.add(
                kind=kind,
                place_id=place,
                category_id=category,
                organisation_id=org,
                day=dt.date.fromisoformat(day),
                value=value,
                n=count,
            )
    rows.flush()


def _working_days_counter(first: dt.date, last: dt.date):
    """``working_days_between`` for days from ``first`` (to ``last`` + 60), from a running
    count computed once (the calendar's own function walks day by day)."""
    running, count, day = {}, 0, first
    while day <= last + dt.timedelta(days=60):
        running[day] = count
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    running[day] = count

    def between(start: dt.date, end: dt.date) -> int:
        if end <= start:
            return 0
        if start in running and end in running:
            return running[end] - running[start]
        return working_days_between(start, end)

    return between


def _foreign_keys_dropped(models_: list) -> list[str]:
    """On PostgreSQL, drop the foreign keys of ``models_``' tables and return the
    statements that add them back. Django's keys are DEFERRABLE INITIALLY DEFERRED: each
    row copied in queues one check per key, all run at commit (at 100,000 cases about
    1.5 million look-ups, most of the load's time); adding a key back afterwards checks
    the whole table in one join. Only needs the tables' owner, not a superuser."""
    if connection.vendor != "postgresql":
        return []
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
            """,
            [tables],
        )
        found = cursor.fetchall()
        for table, name, _definition in found:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in found]


def _indexes_dropped(models_: list) -> list[str]:
    """On PostgreSQL, drop the secondary indexes of ``models_``' tables (not primary keys
    or unique constraints) and return the statements that make them again: a bulk load
    into bare tables and one index build each afterwards is several times faster than
    keeping a dozen indexes (two of them trigram GIN) current row by row."""
    if connection.vendor != "postgresql":
        return []
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
              AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname
              )
            """,
            [tables],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]
