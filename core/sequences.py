"""Numbers issued per year (``2026-000123``, ``（2026）…人调字第12号``, ``DA-2026-0001``): one
table, one row per numbering and year."""

from __future__ import annotations

from django.db import transaction

from core.models import YearSequence


def next_number(name: str, year: int) -> int:
    """The next number of numbering ``name`` in ``year`` (1 for the year's first). The row is
    locked until the caller's transaction ends, so two at once never get the same number."""
    with transaction.atomic():
        sequence, _created = YearSequence.objects.select_for_update().get_or_create(
            name=name, year=year
        )
        sequence.last += 1
        sequence.save(update_fields=["last"])
    return sequence.last
