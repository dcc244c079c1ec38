"""The case list at any size: every order has a tie-break and an index, the count stops
at a cap with a prompt to narrow, and the filter form is rendered once per area,
language and values until places, officers or categories change."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework import filters, paging
from casework.models import Case, Priority, Status
from tests.factories import PlaceFactory, category, make_case


def _case(world, **kwargs):
    return make_case(
        kwargs.pop("state", Status.IN_PROGRESS),
        place=world.building_a,
        organisation=world.committee_a,
        **kwargs,
    )


@pytest.mark.parametrize("sort", ["priority", "-priority", "status", "-status", "due", "-due"])
def test_every_sort_breaks_ties_by_id_so_pages_never_repeat_a_case(
    client, world, mediator, sort, monkeypatch
):
    monkeypatch.setattr("casework.views.PAGE_SIZE", 2)
    made = [_case(world, priority=Priority.GENERAL) for _ in range(5)]
    client.force_login(mediator)
    seen = []
    for number in (1, 2, 3):
        page = client.get(reverse("casework:case_list"), {"o": sort, "page": number})
        seen += [c.pk for c in page.context["page"].object_list]
    assert sorted(seen) == sorted(c.pk for c in made)  # each once
    if sort in ("priority", "-priority", "status", "-status"):  # all equal: the id decides
        assert seen == sorted(seen, reverse=sort.startswith("-"))


def test_every_sort_of_the_list_has_an_index_led_by_its_field():
    indexed = {tuple(i.fields) for i in Case._meta.indexes}
    sorts = dict(filters.CaseFilter.base_filters["o"].param_map)
    for field in sorts.values():
        if field == "reference":
            assert Case._meta.get_field("reference").unique
        else:
            assert (field, "id") in indexed, field


def test_the_count_stops_at_the_cap_and_the_page_asks_to_narrow(
    client, world, mediator, monkeypatch
):
    monkeypatch.setattr(paging, "LIST_CAP", 4)
    monkeypatch.setattr("casework.views.LIST_CAP", 4)
    monkeypatch.setattr("casework.views.PAGE_SIZE", 2)
    for _ in range(6):
        _case(world)
    client.force_login(mediator)
    response = client.get(reverse("casework:case_list"), {"page": 99})
    page = response.content.decode()
    assert response.context["page"].paginator.num_pages == 2
    assert response.context["page"].number == 2  # the last page within the cap
    assert "More than 4 cases" in page and 'id="list-capped"' in page
    narrowed = client.get(reverse("casework:case_list"), {"q": "no such words"})
    assert 'id="list-capped"' not in narrowed.content.decode()


def test_the_api_count_stops_at_the_cap(monkeypatch):
    monkeypatch.setattr(paging, "LIST_CAP", 3)
    paginator = paging.CappedPaginator(list(range(10)), 2)
    assert (paginator.count, paginator.num_pages, paginator.capped) == (3, 2, True)
    assert paging.CappedPaginator(list(range(3)), 2).capped is False


def _list_queries(client, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("casework:case_list"), params or {})
    assert response.status_code == 200
    return response, len(captured)


def test_the_filter_form_is_rendered_once_then_served_from_the_cache(client, world, supervisor):
    _case(world)
    client.force_login(supervisor)
    first, cold = _list_queries(client)
    second, warm = _list_queries(client)
    # The place and officer options are not queried again: the form comes from the cache.
    assert warm < cold

    def form(response):  # the page around it carries per-request nonces
        return re.search(r'<form method="get".*?</form>', response.content.decode(), re.S)[0]

    assert form(first) == form(second)
    assert "幸福小区" in second.content.decode()  # the place options are there


def test_a_new_place_shows_in_the_filter_form_at_once(client, world, supervisor):
    client.force_login(supervisor)
    _list_queries(client)
    PlaceFactory(kind="building", name="新建9号楼", parent=world.estate_a)
    response, _n = _list_queries(client)
    assert "新建9号楼" in response.content.decode()


def test_the_cached_form_keeps_the_chosen_values_and_the_language(client, world, supervisor):
    client.force_login(supervisor)
    noise = category("construction_noise")
    chosen, _n = _list_queries(client, {"category": noise.pk, "status": "in_progress"})
    html = chosen.content.decode()
    assert f'value="{noise.pk}" selected' in html
    assert re.search(r'<input type="checkbox" name="status" value="in_progress"[^>]*checked', html)
    plain, _n = _list_queries(client)
    assert f'value="{noise.pk}" selected' not in plain.content.decode()
    chinese = client.get(reverse("casework:case_list"), headers={"accept-language": "zh-hans"})
    assert "状态" in chinese.content.decode()


def test_the_cached_form_is_per_area(client, world, mediator, supervisor):
    client.force_login(supervisor)
    whole = _list_queries(client)[0].content.decode()
    client.force_login(mediator)
    area = _list_queries(client)[0].content.decode()
    assert "和平小区" in whole and "和平小区" not in area  # estate B is not the mediator's


@pytest.mark.postgres
def test_postgres_searches_through_trigram_indexes(world):
    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm is PostgreSQL's; SQLite keeps its plain search")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", ["%_trgm"])
        assert {r[0] for r in cursor.fetchall()} >= {
            "case_description_trgm",
            "case_reference_trgm",
            "party_name_trgm",
        }
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: force the choice
        found = filters.CaseFilter({"q": "夜间施工"}, queryset=Case.objects.all()).qs
        plan = found.order_by().explain()
    assert "case_description_trgm" in plan and "case_reference_trgm" in plan


def test_search_finds_cases_by_description_reference_and_party_name(client, world, mediator):
    from tests.factories import PartyFactory

    by_words = _case(world, description="楼上夜间施工噪音")
    by_name = _case(world)
    PartyFactory(case=by_name, name="欧阳晓燕")
    _case(world, description="宠物扰民")
    client.force_login(mediator)

    def found(q):
        page = client.get(reverse("casework:case_list"), {"q": q}).context["page"]
        return {c.pk for c in page.object_list}

    assert found("夜间施工") == {by_words.pk}
    assert found("晓燕") == {by_name.pk}
    assert found(by_words.reference) == {by_words.pk}
