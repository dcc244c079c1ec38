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
