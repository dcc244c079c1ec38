"""Every URL pattern, walked as anonymous: only the listed public pages answer with content.

A new view that forgets to require login (or is made public by accident) fails here.
"""

import pytest

from tests.urlwalk import ARGUMENTS, PUBLIC, paths, routes

# The REST API's schema and its docs page: for signed-in supervisors and integration staff.
STAFF_ONLY = {"api:schema", "api:docs"}
# Public machine endpoints answer bad input (an empty POST, an unknown id) with the spec's
# error list: 400 or 404 (403 for a POST without the API key), never a login redirect.
# Public look-ups by a key: an unknown key is a 404 (a notice's code that was never printed).
PUBLIC_LOOKUPS = {
    "open311:service",
    "open311:request",
    "open311:requests",
    "notices:notice",
    "notices:notice_pdf",
    "open311:token",
    "open311:not_found",
    "api:not_found",
    "api_not_found",
    "portal:nearest",  # 400 without a position
    "portal:sms_outbox",  # 404 unless the file backend runs in development
}

ROUTES = routes()


def test_every_url_has_an_entry_in_the_walk():
    """A new URL must say in tests/urlwalk.py what its arguments are, or no walk reaches it."""
    names = [route.name for route in ROUTES]
    assert None not in names, [r.pattern for r in ROUTES if r.name is None]  # unnamed: unwalkable
    assert len(names) == len(set(names)), "two patterns share a name: the walk reaches one"
    assert set(names) - set(ARGUMENTS) == set(), "URLs without an entry in ARGUMENTS"
    assert set(ARGUMENTS) - set(names) == set(), "entries in ARGUMENTS for URLs that are gone"
    for route in ROUTES:
        assert set(ARGUMENTS[route.name]) == route.arguments, route.name
        route.path()  # and the values fit the pattern's converters


def test_the_walk_finds_the_workspace_and_portal():
    names = {route.name for route in ROUTES}
    assert {"casework:case_list", "casework:case_detail", "portal:lookup"} <= names


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_anonymous_gets_content_only_from_public_pages(client, db, route):
    name, path = route.name, route.path()
    for method in (client.get, client.post):
        response = method(path)
        if name in PUBLIC:
            allowed = (200, 302, 405, 400, 403, 404) if name in PUBLIC_LOOKUPS else (200, 302, 405)
            assert response.status_code in allowed, (name, response.status_code)
            if response.status_code == 302:
                assert "/accounts/login/" not in response["Location"], name
        elif name == "metrics":
            # For a Prometheus scraper with the token or from an allowed address only:
            # anyone else finds nothing there (tests/test_observability.py).
            assert response.status_code == 404, (name, response.status_code)
        elif name in STAFF_ONLY:
            assert response.status_code == 302, (name, response.status_code)
            assert response["Location"].startswith("/accounts/login/"), name
        elif name.startswith("api:"):
            # Token-only endpoints: no session login, a 401 asking for the token.
            assert response.status_code == 401, (name, response.status_code)
            assert response["WWW-Authenticate"] == "Token", name
        else:
            assert response.status_code == 302, (name, response.status_code)
            assert response["Location"].startswith("/accounts/login/"), name


RECORD_ROUTES = [route for route in ROUTES if route.names_a_record]


@pytest.mark.parametrize("route", RECORD_ROUTES, ids=lambda r: r.name)
def test_an_outsider_gets_404_for_another_areas_objects(client, world, outsider, route):
    from tests.factories import make_case

    case = make_case(place=world.building_a, organisation=world.committee_a)
    name, path = route.name, route.path({"case": case.pk})
    client.force_login(outsider)
    # The API takes tokens only: a signed-in session gets 401 there.
    allowed = (401, 405) if name.startswith("api:") else (404, 405)
    for method in (client.get, client.post):
        assert method(path).status_code in allowed, (name, method)


def test_the_admin_asks_anonymous_to_log_in(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_security_record_is_walked_and_asks_anonymous_to_log_in(client, db):
    assert ("casework:security_log", "/reports/security/") in paths()
    response = client.get("/reports/security/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
