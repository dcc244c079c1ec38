"""The case log's hash chain (#24): every event links to the case's previous event.

``CaseEvent.save`` links each new event — the one path every event takes, whichever
service writes it — under the case's row lock, so two events written at once on one case
get exactly one order and an unbroken chain. ``verify`` walks every case's log and names
the first event whose link or content does not match.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from casework.models import CaseEvent
from core.chain import GENESIS, link


@dataclass(frozen=True)
class Break:
    """Where a case's chain does not hold: ``event_id``'s link (``"link"``: the event
    before it is gone or was changed) or its own content (``"content"``: edited)."""

    case_id: int
    event_id: int
    problem: str


def verify() -> tuple[int, list[Break]]:
    """Walk every case's log in order; returns (events checked, breaks found — the first
    per case)."""
    checked, breaks = 0, []
    case_id, previous, broken = None, GENESIS, False
    events = CaseEvent.objects.order_by("case_id", "id").iterator(chunk_size=2000)
    for event in events:
        checked += 1
        if event.case_id != case_id:
            case_id, previous, broken = event.case_id, GENESIS, False
        if broken:
            continue
        if event.prev_hash != previous:
            breaks.append(Break(event.case_id, event.pk, "link"))
            broken = True
        elif link(event.prev_hash, event.chained_fields()) != event.row_hash:
            breaks.append(Break(event.case_id, event.pk, "content"))
            broken = True
        previous = event.row_hash
    return checked, breaks


def heads(up_to: int | None = None) -> Iterator[tuple[int, str]]:
    """Each case's latest event hash (among events up to id ``up_to``), by case id."""
    events = CaseEvent.objects.all()
    if up_to is not None:
        events = events.filter(pk__lte=up_to)
    latest = events.order_by("case_id", "-id").values_list("case_id", "row_hash").iterator()
    seen = None
    for case_id, row_hash in latest:
        if case_id != seen:
            seen = case_id
            yield case_id, row_hash


def heads_digest(up_to: int | None = None) -> tuple[str, int, int]:
    """(SHA-256 over every case's ``case_id:latest hash`` line, cases, events) for the
    events up to id ``up_to``: one value that fixes every case log as it stood."""
    digest, cases = hashlib.sha256(), 0
    for case_id, row_hash in heads(up_to):
        digest.update(f"{case_id}:{row_hash}\n".encode())
        cases += 1
    events = CaseEvent.objects.all()
    if up_to is not None:
        events = events.filter(pk__lte=up_to)
    return digest.hexdigest(), cases, events.count()
