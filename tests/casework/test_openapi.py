"""The OpenAPI document as integrators' tools read it, and the API's answers off the map."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from casework.api_auth import issue_token


@pytest.fixture
def schema(db):
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_generated_schema_is_valid_openapi(schema):
    validate(schema)  # raises on the first violation (openapi-spec-validator)


def test_required_text_has_a_min_length_and_defaults_fit_their_patterns(schema):
    create = schema["components"]["schemas"]["CaseCreate"]
    assert set(create["required"]) >= {"category", "place", "description"}
    assert create["properties"]["description"]["minLength"] == 1
    assert create["properties"]["description"]["pattern"] == "\\S"  # not only spaces
    assert create["properties"]["category"]["minLength"] == 1
    # A response's required text may be empty (a case's resolution before it ends).
    assert "minLength" not in schema["components"]["schemas"]["Case"]["properties"]["reference"]
    (phone, _blank) = create["properties"]["applicant_phone"]["oneOf"]
    assert phone["default"] == "" and phone["pattern"].endswith(")?$")


def test_filters_are_typed_as_the_api_takes_them(schema):
    listing = schema["paths"]["/api/v1/cases/"]["get"]
    parameters = {p["name"]: p["schema"] for p in listing["parameters"]}
    for name in ("category", "place", "assigned_officer"):
        assert parameters[name] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    assert "\\u0000" in parameters["q"]["pattern"]


def test_the_idempotency_key_is_documented_on_the_posts(schema):
    create = schema["paths"]["/api/v1/cases/"]["post"]
    (header,) = [p for p in create["parameters"] if p["in"] == "header"]
    assert header["name"] == "Idempotency-Key" and "first answer" in header["description"]


def test_unknown_filter_ids_match_nothing_instead_of_400(world):
    from tests.factories import make_case

    make_case(place=world.building_a, organisation=world.committee_a)
    _token, key = issue_token(organisation=world.committee_a, name="系统")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/cases/").json()["count"] == 1
    response = client.get("/api/v1/cases/", {"category": 99999, "place": 88888})
    assert response.status_code == 200 and response.json()["results"] == []
    # Not an id at all: still a 400 naming the filter.
    response = client.get("/api/v1/cases/", {"category": "abc"})
    assert response.status_code == 400 and "category" in response.json()


@pytest.mark.parametrize(
    "path", ["/api/v1/nowhere/", "/api/v1/cases/1/nothing/", "/api/v2/cases/", "/api/"]
)
def test_every_unmatched_api_path_answers_json_404(client, db, path):
    for method in (client.get, client.post, client.delete):
        response = method(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"].startswith("No API operation at")


def test_a_wrong_method_on_an_operation_answers_json_405(world):
    _token, key = issue_token(organisation=world.committee_a, name="系统")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.delete("/api/v1/cases/")
    assert (
        response.status_code == 405 and response.json()["detail"] == 'Method "DELETE" not allowed.'
    )
