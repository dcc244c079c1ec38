"""The supervisors' page of the security record: who sees what, filters, paging, words."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.roles import Role
from core.models import SecurityEvent, SecurityEventKind
from tests.factories import MembershipFactory, UserFactory

URL = "/reports/security/"
Kind = SecurityEventKind


def test_the_url_is_where_the_reports_link_points(supervisor, client):
    assert reverse("casework:security_log") == URL
    client.force_login(supervisor)
    assert URL in client.get(reverse("casework:reports")).content.decode()


@pytest.mark.parametrize("persona", ["mediator", "outsider", "agency_officer", "archivist"])
def test_only_supervisors_open_it(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 403
    assert "for supervisors" in response.content.decode()


def test_a_street_supervisor_sees_everything_with_who_and_where(client, supervisor, mediator):
    SecurityEvent.objects.create(kind=Kind.LOGIN_FAILED, username="ghost", address="203.0.113.5")
    SecurityEvent.objects.create(
        kind=Kind.ACCESS_DENIED,
        actor=mediator,
        username="mediator",
        address="10.0.0.7",
        path="/cases/99/",
        detail={"status": 404},
    )
    client.force_login(supervisor)
    page = client.get(URL).content.decode()
    assert "ghost" in page and "203.0.113.5" in page
    assert "Mediator Demo" in page or "Demo Mediator" in page
    assert "Outside the user&#x27;s reach or missing (404): /cases/99/" in page


def test_an_area_supervisor_sees_only_their_areas_staff(client, world, mediator, outsider):
    area_supervisor = UserFactory(username="area_boss")
    MembershipFactory(user=area_supervisor, organisation=world.committee_a, role=Role.SUPERVISOR)
    SecurityEvent.objects.create(kind=Kind.EXPORT, actor=mediator, detail={"rows": 1})
    SecurityEvent.objects.create(kind=Kind.LOGIN_FAILED, username="mediator", address="1.2.3.4")
    SecurityEvent.objects.create(kind=Kind.EXPORT, actor=outsider, detail={"rows": 2})
    SecurityEvent.objects.create(kind=Kind.LOGIN_FAILED, username="stranger", address="5.6.7.8")
    client.force_login(area_supervisor)
    page = client.get(URL, {"kind": Kind.EXPORT}).content.decode()
    assert "(mediator)" in page and "(outsider)" not in page
    failed = client.get(URL, {"kind": Kind.LOGIN_FAILED}).content.decode()
    assert "1.2.3.4" in failed and "5.6.7.8" not in failed


def test_filters_by_kind_period_actor_and_network(client, supervisor, mediator, colleague):
    now = timezone.now()
    SecurityEvent.objects.create(
        kind=Kind.LOGIN_FAILED, username="a", address="203.0.113.5", created_at=now
    )
    SecurityEvent.objects.create(
        kind=Kind.LOGIN_FAILED,
        username="b",
        address="198.51.100.7",
        created_at=now - dt.timedelta(days=40),
    )
    SecurityEvent.objects.create(kind=Kind.EXPORT, actor=mediator, address="10.0.0.7")
    SecurityEvent.objects.create(kind=Kind.EXPORT, actor=colleague, address="10.0.0.8")
    client.force_login(supervisor)

    def shown(**params):
        page = client.get(URL, params).content.decode()
        return {a for a in ("203.0.113.5", "198.51.100.7", "10.0.0.7", "10.0.0.8") if a in page}

    assert shown(kind=Kind.LOGIN_FAILED) == {"203.0.113.5", "198.51.100.7"}
    start = timezone.localdate() - dt.timedelta(days=7)
    assert shown(kind=Kind.LOGIN_FAILED, created_after=start.isoformat()) == {"203.0.113.5"}
    assert shown(actor=mediator.pk) == {"10.0.0.7"}
    assert shown(address="203.0.113.") == {"203.0.113.5"}
    assert shown(username="B") == {"198.51.100.7"}


def test_pages_of_fifty_with_a_constant_number_of_queries(
    client, supervisor, mediator, django_assert_max_num_queries
):
    SecurityEvent.objects.bulk_create(
        [
            SecurityEvent(kind=Kind.EXPORT, actor=mediator, address=f"10.0.{i // 250}.{i % 250}")
            for i in range(120)
        ]
    )
    client.force_login(supervisor)
    client.get(URL)  # warm the session
    with django_assert_max_num_queries(12):
        first = client.get(URL, {"kind": Kind.EXPORT})
    assert first.content.decode().count('data-label="Kind"') == 50
    assert "Page 1 of 3" in first.content.decode()
    last = client.get(URL, {"kind": Kind.EXPORT, "page": 3}).content.decode()
    assert last.count('data-label="Kind"') == 20
    assert "kind=export&amp;page=2" in last  # the filter stays in the pager's links


def test_the_page_speaks_chinese(client, supervisor, mediator):
    SecurityEvent.objects.create(
        kind=Kind.THROTTLED, address="203.0.113.5", detail={"doors": ["lookup_reference"]}
    )
    client.force_login(supervisor)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(URL).content.decode()
    assert "安全记录" in page and "已限流" in page and "同一查询号的查询" in page
    for english in ("Security record", "Throttled", "Limit reached", "Client address"):
        assert english not in page
