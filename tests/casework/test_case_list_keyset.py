"""Deep pages of the case list by keyset (casework.paging): the first pages keep their
numbers; past them "next" and "previous" carry the boundary row, so any page costs what
page 1 costs. Walked forwards and back in every order (a due date may be empty), each case
is listed exactly once and in the list's order; a cursor that is not ours shows page 1."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework import paging
from casework.models import Case, Priority, Status
from tests.factories import make_case

LINK = re.compile(r'<a href="\?([^"]*)"\s+rel="(next|prev)"')


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr("casework.views.PAGE_SIZE", 2)
    monkeypatch.setattr(paging, "NUMBERED_PAGES", 2)


@pytest.fixture
def cases(world):
    made = []
    for i in range(11):
        case = make_case(
            Status.IN_PROGRESS,
            place=world.building_a,
            organisation=world.committee_a,
            priority=Priority.GENERAL if i % 3 else Priority.URGENT,
        )
        # Equal values in runs (ties for the id to break), and some cases with no due date.
        due = None if i % 4 == 0 else dt.date(2026, 12, 1) + dt.timedelta(days=i // 3)
        Case.objects.filter(pk=case.pk).update(due_date=due)
        made.append(case)
    return made


def _get(client, query: str):
    response = client.get(reverse("casework:case_list") + "?" + query)
    assert response.status_code == 200
    links = {rel: html.unescape(href) for href, rel in LINK.findall(response.content.decode())}
    return response, [c.pk for c in response.context["page"].object_list], links


@pytest.mark.parametrize(
    "sort", ["", "created", "-created", "due", "-due", "priority", "-priority", "reference"]
)
def test_walking_next_then_previous_lists_every_case_once_in_order(
    client, mediator, cases, small_pages, sort
):
    client.force_login(mediator)
    query = f"o={sort}" if sort else ""
    response, _rows, _links = _get(client, query)
    expected = list(
        response.context["filter"].qs.order_by(*response.context["filter"].qs.query.order_by)
        if sort
        else Case.objects.order_by("-created_at", "-id")
    )
    expected = [c.pk for c in expected]
    pages, numbers, keyset = [], [], []
    while True:
        response, rows, links = _get(client, query)
        page = response.context["page"]
        pages.append(rows)
        numbers.append(page.number)
        keyset.append(getattr(page, "keyset", False))
        if "next" not in links:
            break
        query = links["next"]
    assert [pk for rows in pages for pk in rows] == expected
    assert numbers == list(range(1, 7))
    assert keyset == [False, False, True, True, True, True]  # past the numbered pages
    # And back again with "previous": the same pages, in reverse.
    back = []
    while "prev" in links:
        response, rows, links = _get(client, links["prev"])
        back.append(rows)
    assert back == pages[-2::-1]


def test_a_deep_page_costs_the_queries_of_page_one(client, mediator, cases, small_pages):
    client.force_login(mediator)
    _get(client, "")  # warm the cached filter form
    with CaptureQueriesContext(connection) as first:
        _response, _rows, links = _get(client, "")
    query = links["next"]
    for _ in range(3):
        _response, _rows, links = _get(client, query)
        query = links["next"]
    with CaptureQueriesContext(connection) as deep:
        response, _rows, _links = _get(client, query)
    assert response.context["page"].keyset and response.context["page"].number == 5
    assert len(deep) == len(first), [q["sql"] for q in deep]
    page_sql = [q["sql"] for q in deep if "LIMIT 3" in q["sql"]]
    assert page_sql and "OFFSET" not in page_sql[0]  # the rows by keyset, not by offset


def test_a_cursor_that_is_not_ours_shows_page_one(client, mediator, cases, small_pages):
    client.force_login(mediator)
    for bad in ("after=nonsense", "before=eyJ2IjpbXX0:1abc:xyz", "after=" + "a" * 5000):
        response, rows, _links = _get(client, bad)
        assert response.context["page"].number == 1 and len(rows) == 2


def test_the_pager_numbers_the_first_pages_and_a_deep_page_has_no_total(
    client, mediator, cases, small_pages
):
    client.force_login(mediator)
    response, _rows, links = _get(client, "")
    page = response.content.decode()
    assert 'href="?page=2"' in page and 'aria-current="page">1<' in page
    response, _rows, links = _get(client, links["next"])  # page 2, the last numbered
    text = client.get(
        reverse("casework:case_list") + "?" + links["next"], headers={"accept-language": "zh-hans"}
    ).content.decode()
    assert "第3页" in text and "共" not in re.search(r'<nav class="pager".*?</nav>', text, re.S)[0]


@pytest.mark.parametrize("sort", ["", "priority", "-due"])
def test_a_page_number_typed_past_the_numbered_pages_shows_the_last_numbered(
    client, mediator, cases, small_pages, sort
):
    """Only the numbered pages are offered (then "next" by cursor): a typed ?page=5 shows
    the last numbered page, whose "next" continues where page 3 begins — not page 5 by
    OFFSET, which at 1,000,000 cases cost what the cursor saves."""
    client.force_login(mediator)
    query = f"o={sort}&" if sort else ""
    _numbered, rows, links = _get(client, query + "page=2")
    typed, typed_rows, typed_links = _get(client, query + "page=5")
    assert typed.context["page"].number == 2 and typed_rows == rows
    _third, third_rows, _links = _get(client, links["next"])
    assert _get(client, typed_links["next"])[1] == third_rows  # the same page 3
    assert len(third_rows) == 2 and not set(third_rows) & set(rows)
    for junk in ("page=abc", "page=-3", "page=0"):
        assert _get(client, query + junk)[0].context["page"].number == 1
