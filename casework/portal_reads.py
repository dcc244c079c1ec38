"""The two reads of the resident status page, in fixed SQL (issue #21).

The status page is the residents' busiest page, and residents arrive for *different*
cases: most requests miss the summary's cache. Measured on PostgreSQL at 10,000 cases,
building the same two queries through the ORM (``select_related`` + a ``Subquery``
annotation, then ``select_related("referral")`` on the events) cost ~2.3 ms and ~1.5 ms
of Python per request — compiling the SQL and wrapping the joined rows — against
~0.4 ms each for the same statements written once. So these two are written once and
their rows made into model instances here (:func:`_instances`: the fields' own
converters — dates on SQLite, JSON, sealed fields — then ``Model.from_db``, as a queryset
would; ``raw()`` cost another ~0.3 ms a query finding its columns each time).

The case's category and organisation are not joined: their names come from
:func:`_names`, a table of each kept in the process for a minute (joining them tripled
PostgreSQL's planning time, ~0.2 ms of every request at 100,000 cases). A rename shows at
once in the process that saved it (a signal, ``casework.signals``) and within the minute
in the others; a summary already cached keeps the old name until the case changes or the
day turns, as before.

What they select is what ``portal_views._summary_html``, ``portal.pause_of``
and ``public_stages.timeline`` read; a field they do not select is deferred, and reading
it would cost a query per case — the status page's query-count test catches that.
"""

from __future__ import annotations

import datetime as dt
import time
import weakref
import zlib
from functools import cache

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone, translation
from django.utils.dateparse import parse_date

from casework.models import Case, CaseEvent, Category, Organisation, Rating, Referral

# The columns each read selects: what the templates and helpers named above read.
CASE_FIELDS = (
    "id",
    "reference",
    "status",
    "status_reason",
    "category",
    "organisation",
    "description",
    "requests",
    "outcome",
    "resolution_summary",
    "created_at",
    "updated_at",
    "resolved_at",
    "due_date",
    "waiting_since",
)
EVENT_FIELDS = (
    "id",
    "case",
    "kind",
    "transition",
    "referral",
    "code",
    "params",
    "note",
    "is_public",
    "created_at",
)
# How long a process trusts its table of category and organisation names.
NAMES_SECONDS = 60


def _fields(model, names) -> list:
    """``model``'s fields ``names``, in the order of its concrete fields (``from_db``'s)."""
    wanted = set(names)
    return [f for f in model._meta.concrete_fields if f.name in wanted]


def _columns(model, alias: str, names) -> str:
    """``alias.column, ...`` of ``model``'s fields ``names``, in :func:`_fields`' order."""
    return ", ".join(f"{alias}.{field.column}" for field in _fields(model, names))


@cache
def _case_sql() -> str:
    case, event = Case._meta.db_table, CaseEvent._meta.db_table
    return (
        f"SELECT {_columns(Case, 'c', CASE_FIELDS)}, "
        f"(SELECT e.id FROM {event} e WHERE e.case_id = c.id ORDER BY e.id DESC LIMIT 1) "
        f"FROM {case} c WHERE c.id = %s"
    )


@cache
def _events_sql() -> str:
    event, referral = CaseEvent._meta.db_table, Referral._meta.db_table
    return (
        f"SELECT {_columns(CaseEvent, 'e', EVENT_FIELDS)}, r.reply_due, r.reply "
        f"FROM {event} e LEFT JOIN {referral} r ON r.id = e.referral_id "
        f"WHERE e.case_id = %s ORDER BY e.created_at, e.id"
    )


def _plan(model, names) -> tuple[list[str], list[tuple]]:
    """``from_db``'s field names for ``model``'s fields ``names``, and the converters this
    thread's connection applies to them (position, column, functions) — found once per
    connection: looking them up was a third of a small read."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    plans = _PLANS.setdefault(wrapper, {})
    if (model, names) not in plans:
        fields = _fields(model, names)
        converters = []
        for i, field in enumerate(fields):
            col = field.get_col(model._meta.db_table)
            found = wrapper.ops.get_db_converters(col) + field.get_db_converters(wrapper)
            if found:
                converters.append((i, col, found))
        plans[model, names] = ([f.attname for f in fields], converters)
    return plans[model, names]


_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@cache
def _rating_sql() -> str:
    names = [f.name for f in Rating._meta.concrete_fields]
    return (
        f"SELECT {_columns(Rating, 'r', names)} FROM {Rating._meta.db_table} r "
        f"WHERE r.case_id = %s ORDER BY r.created_at DESC, r.id DESC LIMIT 1"
    )


def _instances(model, names, rows) -> list[tuple]:
    """``(instance, extra values)`` per row: the row's first columns (``model``'s fields
    ``names``, in :func:`_fields`' order) through each field's converters into
    ``model.from_db``, as a queryset makes them; the columns after them as they came."""
    attnames, converters = _plan(model, names)
    made = []
    for row in rows:
        values = list(row[: len(attnames)])
        for i, col, found in converters:
            for convert in found:
                values[i] = convert(values[i], col, connection)
        made.append((model.from_db(DEFAULT_DB_ALIAS, attnames, values), row[len(attnames) :]))
    return made


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_NAMES: dict[type, tuple[float, dict]] = {}


def _names(model, pk, columns: tuple[str, ...]) -> tuple | None:
    """The ``columns`` of ``model``'s row ``pk`` from this process's table of them (the
    whole small table, read again after :data:`NAMES_SECONDS` or for an id not in it)."""
    if pk is None:
        return None
    at, table = _NAMES.get(model, (0.0, {}))
    if pk not in table or time.monotonic() - at > NAMES_SECONDS:
        table = {row[0]: row[1:] for row in model.objects.values_list("pk", *columns)}
        _NAMES[model] = (time.monotonic(), table)
    return table.get(pk)


def forget_names() -> None:
    """Read the names again at the next use (a category or organisation was saved)."""
    _NAMES.clear()


def status_case(pk: int) -> Case | None:
    """The case ``pk`` with what its status page prints: its own columns, its category
    (``case.category`` is set: names in both languages), its organisation's name
    (``organisation_name``) and its newest event's id (``newest``: with ``updated_at``,
    the key of its cached summary). One query; None when there is no such case."""
    rows = _fetch(_case_sql(), [pk])
    if not rows:
        return None
    [(case, (newest,))] = _instances(Case, CASE_FIELDS, rows)
    case.newest = newest
    name, name_zh = _names(Category, case.category_id, ("name", "name_zh")) or ("", "")
    case.category = Category(id=case.category_id, name=name, name_zh=name_zh)
    case.organisation_name = (_names(Organisation, case.organisation_id, ("name",)) or ("",))[0]
    return case


def status_events(case: Case) -> list[CaseEvent]:
    """The case's events, oldest first, each with the two facts of its referral that the
    resident's timeline prints (``reply_due``, ``reply``) set on ``event.referral``. One
    query, however long the log."""
    events = []
    rows = _fetch(_events_sql(), [case.pk])
    for event, (reply_due, reply) in _instances(CaseEvent, EVENT_FIELDS, rows):
        if event.referral_id is not None:
            due = _date(reply_due)
            event.referral = Referral(id=event.referral_id, reply_due=due, reply=reply or "")
        events.append(event)
    return events


def latest_rating(case_id: int) -> Rating | None:
    """The case's newest rating, whole (one query), or None."""
    names = tuple(f.name for f in Rating._meta.concrete_fields)
    made = _instances(Rating, names, _fetch(_rating_sql(), [case_id]))
    return made[0][0] if made else None


def summary_key(case: Case, language: str | None = None) -> str:
    """The cache key of the case's status summary (``portal_views._summary_html``):
    everything on the status page but its forms.

    The log is append-only and every change to the case bumps ``updated_at``, so the
    newest event id (of any kind: the timeline shows stages whose events are not marked
    public) and that time identify the content; with the language, the day, and the
    names of its category and organisation as this process knows them (a summary built
    from names a minute old is not kept under the new names' key). Whatever the summary
    prints must come from the case row, those names and its events (what the reads above
    select), or this key must grow to cover it."""
    names = f"{case.category.name}|{case.category.name_zh}|{case.organisation_name}"
    return (
        f"linli:portal-status:{case.pk}:{language or translation.get_language()}:"
        f"{case.newest or 0}:{case.updated_at.timestamp()}:"
        f"{timezone.localdate().isoformat()}:{zlib.crc32(names.encode()):x}"
    )


def forget_summaries(case_id: int) -> None:
    """Drop the case's cached status summaries in every language: after personal data is
    scrubbed from its texts without a change its users see (``casework.deidentify``,
    ``casework.rights``), which leaves the key — and so the old words — as they were."""
    case = status_case(case_id)
    if case is not None:
        shared_cache.delete_many([summary_key(case, code) for code, _name in settings.LANGUAGES])


def _date(value):
    """A date column read outside a model field (SQLite returns the ISO text)."""
    return value if value is None or isinstance(value, dt.date) else parse_date(str(value)[:10])
