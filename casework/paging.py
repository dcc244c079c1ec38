"""Lists that cost the same at a million cases: a count that stops at a cap.

Counting every matching case is a scan of all of them (at a million, ~100 ms for the whole
street), and page 40,000 of a list is not how anyone finds a case. ``CappedPaginator``
counts at most ``LIST_CAP + 1`` rows (a ``COUNT(*)`` over a ``LIMIT``), its pages end at
the cap, and ``capped`` tells the page to ask for a narrower filter or a search. Every
order the lists offer walks an index (``case_sort_*``), so the deepest page is at most
``LIST_CAP`` index entries away.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

LIST_CAP = 10_000


class CappedPaginator(Paginator):
    """A ``Paginator`` whose count stops at ``LIST_CAP`` (``capped`` when there were more)."""

    capped = False

    @cached_property
    def count(self) -> int:
        head = self.object_list[: LIST_CAP + 1]
        counted = head.count() if hasattr(head, "query") else len(head)
        self.capped = counted > LIST_CAP
        return min(counted, LIST_CAP)


class CappedPagination(PageNumberPagination):
    """The API's page numbers over at most ``LIST_CAP`` rows: ``count`` stops there (a
    client that needs more narrows by registration dates or status)."""

    django_paginator_class = CappedPaginator


# ------------------------------------------------------------------ keyset pages
#
# Page 2000 by OFFSET reads and throws away 49,975 rows; by keyset it starts at the last
# row seen (``WHERE (field, id) > (value, id) ORDER BY field, id LIMIT 26``) and walks the
# same ``case_sort_*`` index as page 1, so it costs what page 1 costs. The first
# ``NUMBERED_PAGES`` keep their numbers (people say "page 3"); past them the list moves by
# "next" / "previous" cursors that carry the boundary row's sort value, its id and the
# page number (for display only). Cursors are signed: a hand-edited one is ignored (page 1),
# never a 500; and they only ever narrow the user's own visible queryset.

NUMBERED_PAGES = 10
_CURSOR_SALT = "linli.case-list.cursor"


def keyset_order(queryset) -> list[tuple[str, bool]] | None:
    """The queryset's order as ``[(field, descending), …]`` when a keyset can walk it: one
    field then the id in the same direction (``OrderingWithTieBreak``), or a unique field
    alone (the reference, the id). ``None`` for anything else (numbers only)."""
    order = [str(o) for o in queryset.query.order_by]
    parsed = [(o.lstrip("-"), o.startswith("-")) for o in order]
    if len(parsed) == 1 and parsed[0][0] in ("id", "pk", "reference"):
        return parsed
    if len(parsed) == 2 and parsed[1][0] in ("id", "pk") and parsed[0][1] == parsed[1][1]:
        return parsed
    return None


def _null_is_largest() -> bool:
    """Where the database sorts NULL (a case without a due date): PostgreSQL above every
    value, SQLite below."""
    from django.db import connection

    return connection.vendor == "postgresql"


def _beyond(model, order, values, *, forward: bool):
    """The ``Q`` for rows strictly after ``values`` in ``order`` (``forward``) or strictly
    before it, with NULLs where the database sorts them."""
    from django.db.models import Q
    from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

    (field, desc), *rest = order
    value = values[0]
    greater = forward != desc  # walking towards larger values of ``field``
    if rest:
        tie_field, _tie_desc = rest[0]
        tie = Q(**{f"{tie_field}__{'gt' if greater else 'lt'}": values[1]})
    else:
        tie = Q(pk__in=[])  # a unique field: no ties
    null_large = _null_is_largest()
    if value is None:
        # Past NULLs towards the values (if the values lie that way), or NULL rows after us.
        same = Q(**{f"{field}__isnull": True}) & tie
        return same | Q(**{f"{field}__isnull": False}) if greater != null_large else same
    if rest:
        # A row comparison, (field, id) > (value, id): PostgreSQL starts the index scan
        # there. The same condition spelled with OR is only a filter, and page 2000 read
        # all 50,000 rows before it (EXPLAIN: 50,433 buffers against 94 for page 1).
        lookup = TupleGreaterThan if greater else TupleLessThan
        step = Q(lookup(Tuple(field, tie_field), (value, values[1])))
    else:
        step = Q(**{f"{field}__{'gt' if greater else 'lt'}": value})
    if greater == null_large and model._meta.get_field(field).null:  # NULLs lie this way
        step |= Q(**{f"{field}__isnull": True})
    return step


def cursor_for(row, order, number: int) -> str:
    """The signed cursor of ``row`` on page ``number`` of a list in ``order``
    (``keyset_order``): "next" from it lists the rows after it."""
    from django.core import signing

    values = []
    for field, _desc in order:
        value = getattr(row, "pk" if field == "pk" else field)
        values.append(value.isoformat() if hasattr(value, "isoformat") else value)
    return signing.dumps({"v": values, "n": number}, salt=_CURSOR_SALT, compress=True)


def _decode(token: str, model, order) -> tuple[list, int] | None:
    from django.core import signing
    from django.core.exceptions import ValidationError

    try:
        data = signing.loads(token[:400], salt=_CURSOR_SALT)
        raw, number = data["v"], int(data["n"])
        if len(raw) != len(order) or number < 1:
            return None
        values = [
            None if v is None else model._meta.get_field(f).to_python(v)
            for (f, _d), v in zip(order, raw, strict=True)
        ]
    except (signing.BadSignature, KeyError, TypeError, ValueError, ValidationError):
        return None
    return values, number


class KeysetPage:
    """One page of a list reached by a cursor: what a ``Page`` offers the templates
    (``object_list``, ``number``, ``has_next``…, ``paginator`` for the capped count) plus
    ``next_cursor`` / ``previous_cursor`` for the pager's links."""

    keyset = True

    def __init__(self, rows, *, number, paginator, next_cursor, previous_cursor, previous_number):
        self.object_list = rows
        self.number = number
        self.paginator = paginator
        self.next_cursor = next_cursor
        self.previous_cursor = previous_cursor
        self.previous_page = previous_number  # a numbered page to go back to, or None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self):
        return bool(self.next_cursor)

    def has_previous(self):
        return True

    def has_other_pages(self):
        return True


def within_numbered(value):
    """A page number typed past the numbered pages, as the last numbered one (which offers
    "next" by cursor). Only the numbered pages are offered, so only a hand-typed address
    goes further — and page 400 by OFFSET read and threw away 9,975 rows (60 ms at
    1,000,000 cases, against ~40 for page 1). Below 1, page 1; anything not a number is left
    for the paginator (page 1)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    return max(1, min(number, NUMBERED_PAGES))


def numbered_next_cursor(page, order) -> str:
    """On the last numbered page, the cursor "next" continues with (``""`` if none)."""
    if order is None or page.number != NUMBERED_PAGES or not page.has_next():
        return ""
    rows = list(page.object_list)
    return cursor_for(rows[-1], order, page.number) if rows else ""


def keyset_page(queryset, *, after: str, before: str, per_page: int, paginator):
    """The page after cursor ``after`` or before cursor ``before`` in ``queryset``'s order,
    by keyset; ``None`` when the order cannot be walked so or the cursor is not ours (the
    caller shows page 1)."""
    order = keyset_order(queryset)
    if order is None:
        return None
    forward = bool(after)
    decoded = _decode(after or before, queryset.model, order)
    if decoded is None:
        return None
    values, number = decoded
    narrowed = queryset.filter(_beyond(queryset.model, order, values, forward=forward))
    if not forward:
        narrowed = narrowed.reverse()
    rows = list(narrowed[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    number = number + 1 if forward else number - 1
    if not forward:
        rows.reverse()
    if not rows:
        return None
    if forward:
        has_next, has_previous = more, True
    else:
        has_next, has_previous = True, more or number > 1
    back_to_numbers = number - 1 <= NUMBERED_PAGES
    return KeysetPage(
        rows,
        number=number,
        paginator=paginator,
        next_cursor=cursor_for(rows[-1], order, number) if has_next else "",
        previous_cursor=""
        if back_to_numbers or not has_previous
        else cursor_for(rows[0], order, number),
        previous_number=number - 1 if back_to_numbers and number > 1 else None,
    )
