"""Every URL pattern, walked as anonymous: only the listed public pages answer with content.

A new view that forgets to require login (or is made public by accident) fails here.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {
    "login",
    "set_language",
    "healthz",
    "portal:submit",
    "portal:receipt",
    "portal:lookup",
    # POST-only resident endpoints: public, but they redirect to the look-up page
    # unless the session holds a verified case.
    "portal:status",
    "portal:rate",
    "portal:add",
    "portal:leave",
    # Password reset: public by nature; the form answers the same for any address.
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    # Open311 GeoReport v2: public machine access, no personal data in any response.
    "open311:discovery",
    "open311:services",
    "open311:service",
    "open311:requests",
    "open311:request",
}
# The REST API's schema and its docs page: for signed-in staff (the admin's login).
STAFF_ONLY = {"api:schema", "api:docs"}
# Public machine endpoints answer bad input (an empty POST, an unknown id) with the spec's
# error list: 400 or 404, never a login redirect.
PUBLIC_LOOKUPS = {"open311:service", "open311:request", "open311:requests"}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def _concrete(route: str) -> str:
    route = re.sub(r"<int:\w+>", "1", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)  # the API router's regex routes
    route = re.sub(r"<fmt:\w+>", "json", route)
    route = re.sub(r"<(?:slug|str|path):\w+>", "x", route)
    route = route.replace("^", "").replace("$", "").replace("\\Z", "")
    return "/" + route


ROUTES = sorted(
    {
        (name, _concrete(route))
        for name, route in _walk(get_resolver().url_patterns)
        if not name.startswith("admin:")
    }
)


def test_the_walk_finds_the_workspace_and_portal():
    names = {name for name, _ in ROUTES}
    assert {"casework:case_list", "casework:case_detail", "portal:lookup"} <= names


@pytest.mark.parametrize(("name", "path"), ROUTES)
def test_anonymous_gets_content_only_from_public_pages(client, db, name, path):
    for method in (client.get, client.post):
        response = method(path)
        if name in PUBLIC:
            allowed = (200, 302, 405, 400, 404) if name in PUBLIC_LOOKUPS else (200, 302, 405)
            assert response.status_code in allowed, (name, response.status_code)
            if response.status_code == 302:
                assert "/accounts/login/" not in response["Location"], name
        elif name.startswith("api:") and name not in STAFF_ONLY:
            # Token-only endpoints: no session login, a 401 asking for the token.
            assert response.status_code == 401, (name, response.status_code)
            assert response["WWW-Authenticate"] == "Token", name
        elif name in STAFF_ONLY:
            assert response.status_code == 302, (name, response.status_code)
            assert response["Location"].startswith("/admin/login/"), name
        else:
            assert response.status_code == 302, (name, response.status_code)
            assert response["Location"].startswith("/accounts/login/"), name


@pytest.mark.parametrize(("name", "path"), [r for r in ROUTES if "/1/" in r[1]])
def test_an_outsider_gets_404_for_another_areas_objects(client, world, outsider, name, path):
    from tests.factories import make_case

    case = make_case(place=world.building_a, organisation=world.committee_a)
    path = path.replace("/1/", f"/{case.pk}/", 1)
    client.force_login(outsider)
    # The API takes tokens only: a signed-in session gets 401 there.
    allowed = (401, 405) if name.startswith("api:") else (404, 405)
    for method in (client.get, client.post):
        assert method(path).status_code in allowed, (name, method)


def test_the_admin_asks_anonymous_to_log_in(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_security_record_is_walked_and_asks_anonymous_to_log_in(client, db):
    assert ("casework:security_log", "/reports/security/") in ROUTES
    response = client.get("/reports/security/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
