"""The two reads of the resident status page, in fixed SQL (issue #21).

The status page is the residents' busiest page, and residents arrive for *different*
cases: most requests miss the summary's cache. Measured on PostgreSQL at 10,000 cases,
building the same two queries through the ORM (``select_related`` + a ``Subquery``
annotation, then ``select_related("referral")`` on the events) cost ~2.3 ms and ~1.5 ms
of Python per request — compiling the SQL and wrapping the joined rows — against
~0.4 ms each for the same statements written once. So these two are written once, as
``raw()`` queries: the model's own field converters still run (dates on SQLite, sealed
fields), only the query building is skipped.

What they select is what ``casework/portal/_status_summary.html``, ``portal.pause_of``
and ``public_stages.timeline`` read; a field they do not select is deferred, and reading
it would cost a query per case — the status page's query-count test catches that.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.utils.dateparse import parse_date

from casework.models import Case, CaseEvent, Category, Organisation, Referral

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


def _columns(model, alias: str, names) -> str:
    """``alias.column, ...`` of ``model``'s fields ``names`` (their database columns)."""
    return ", ".join(f"{alias}.{model._meta.get_field(name).column}" for name in names)


@cache
def _case_sql() -> str:
    case, event = Case._meta.db_table, CaseEvent._meta.db_table
    category, organisation = Category._meta.db_table, Organisation._meta.db_table
    columns = _columns(Case, "c", CASE_FIELDS)
    return (
        f"SELECT {columns}, k.name AS category_name, k.name_zh AS category_name_zh, "
        f"o.name AS organisation_name, "
        f"(SELECT e.id FROM {event} e WHERE e.case_id = c.id ORDER BY e.id DESC LIMIT 1)"
        f" AS newest "
        f"FROM {case} c JOIN {category} k ON k.id = c.category_id "
        f"LEFT JOIN {organisation} o ON o.id = c.organisation_id WHERE c.id = %s"
    )


@cache
def _events_sql() -> str:
    event, referral = CaseEvent._meta.db_table, Referral._meta.db_table
    columns = _columns(CaseEvent, "e", EVENT_FIELDS)
    return (
        f"SELECT {columns}, r.reply_due AS referral_reply_due, r.reply AS referral_reply "
        f"FROM {event} e LEFT JOIN {referral} r ON r.id = e.referral_id "
        f"WHERE e.case_id = %s ORDER BY e.created_at, e.id"
    )


def status_case(pk: int) -> Case | None:
    """The case ``pk`` with what its status page prints: its own columns, its category
    (``case.category`` is set: names in both languages), its organisation's name
    (``organisation_name``) and its newest event's id (``newest``: with ``updated_at``,
    the key of its cached summary). One query; None when there is no such case."""
    case = next(iter(Case.objects.raw(_case_sql(), [pk])), None)
    if case is None:
        return None
    case.category = Category(
        id=case.category_id, name=case.category_name, name_zh=case.category_name_zh
    )
    return case


def status_events(case: Case) -> list[CaseEvent]:
    """The case's events, oldest first, each with the two facts of its referral that the
    resident's timeline prints (``reply_due``, ``reply``) set on ``event.referral``. One
    query, however long the log."""
    events = list(CaseEvent.objects.raw(_events_sql(), [case.pk]))
    for event in events:
        if event.referral_id is not None:
            event.referral = Referral(
                id=event.referral_id,
                reply_due=_date(event.referral_reply_due),
                reply=event.referral_reply or "",
            )
    return events


def _date(value):
    """A date column read outside a model field (SQLite returns the ISO text)."""
    return value if value is None or isinstance(value, dt.date) else parse_date(str(value)[:10])
