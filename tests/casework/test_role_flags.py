"""Role flags from the context processor: the navigation tests a flag, never a role string,
and working the flags out costs no query beyond the memberships already loaded."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework import permissions
from casework.context_processors import role_flags

FLAGS = (
    "is_case_staff",
    "is_supervisor",
    "is_agency",
    "can_see_reports",
    "works_cases",
    "is_grid_worker",
)

CASE_STAFF_LINKS = {
    "casework:waiting",  # 需要我处理
    "casework:home",
    "casework:case_list",
    "consultation:meeting_list",
    "consultation:mediation_list",
    "consultation:archive_list",
}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("mediator", {"is_case_staff", "can_see_reports", "works_cases"}),
        ("supervisor", {"is_case_staff", "is_supervisor", "can_see_reports", "works_cases"}),
        ("archivist", {"is_case_staff"}),
        ("agency_officer", {"is_agency"}),
        ("property_manager", {"is_agency"}),
        ("grid_worker", {"is_grid_worker"}),
        # A superuser reaches every page by URL; the menu offers registering cases and
        # calling meetings to the street's staff only, and a superuser has no inbox.
        ("admin_user", {"is_case_staff", "is_supervisor", "can_see_reports"}),
    ],
)
def test_each_role_gets_exactly_its_flags(request, world, persona, expected):
    if persona == "grid_worker":
        from casework.roles import Role
        from tests.conftest import _member

        user = _member("walker", world.committee_a, Role.GRID_WORKER)
    else:
        user = request.getfixturevalue(persona)
    flags = role_flags(user)
    assert set(flags) == set(FLAGS)
    assert {name for name, on in flags.items() if on} == expected


def test_an_anonymous_visitor_has_no_flag():
    assert not any(role_flags(AnonymousUser()).values())


def test_the_flags_cost_no_query_once_the_memberships_are_loaded(supervisor):
    permissions.grants(supervisor)  # the page's first permission check loads them
    with CaptureQueriesContext(connection) as queries:
        role_flags(supervisor)
    assert len(queries) == 0


def _nav_links(html: str) -> set[str]:
    nav = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', html, re.S)
    return set(re.findall(r'href="([^"]+)"', nav.group(1))) if nav else set()


def _urls(*names):
    return {reverse(name) for name in names}


@pytest.mark.parametrize(
    ("persona", "links"),
    [
        (
            "mediator",
            CASE_STAFF_LINKS | {"casework:reports", "casework:case_new"},
        ),
        (
            "supervisor",
            CASE_STAFF_LINKS | {"casework:reports", "casework:case_new"},
        ),
        ("archivist", CASE_STAFF_LINKS),
        ("agency_officer", {"casework:inbox", "casework:waiting"}),
        ("property_manager", {"casework:inbox", "casework:waiting"}),
        ("admin_user", CASE_STAFF_LINKS | {"casework:reports", "admin:index"}),
    ],
)
def test_the_navigation_offers_each_role_its_pages(client, request, persona, links):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("two_factor:overview"))  # a page every signed-in user has
    assert response.status_code == 200
    assert _nav_links(response.content.decode()) == _urls(*links)


def test_anonymous_visitors_are_offered_the_residents_pages(client):
    response = client.get(reverse("portal:lookup"))
    assert _nav_links(response.content.decode()) == _urls("portal:submit", "portal:lookup")


@pytest.mark.parametrize(("persona", "offered"), [("mediator", True), ("archivist", False)])
def test_calling_a_meeting_is_offered_to_those_who_work_cases(client, request, persona, offered):
    client.force_login(request.getfixturevalue(persona))
    html = client.get(reverse("consultation:meeting_list")).content.decode()
    assert (reverse("consultation:meeting_new") in html) is offered
