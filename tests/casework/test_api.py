"""The REST API: tokens, isolation between organisations, the hotline dedupe, the same
service layer as the pages — and Schemathesis fuzzing every operation from the schema."""

import json

import pytest
import schemathesis
from django.contrib.admin.sites import site
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.specs.openapi.checks import positive_data_acceptance

from casework.api_auth import issue_token
from casework.models import ApiToken, Case, OrgKind, Referral, ReferralStatus, Status
from config.wsgi import application
from tests.factories import OrganisationFactory, ReferralFactory, make_case


def client_for(organisation, name="system"):
    token, key = issue_token(organisation=organisation, name=name)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")  # a client stating no language gets Chinese
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, token, key


@pytest.fixture
def referral(world, mediator):
    case = make_case(
        Status.WAITING,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    return ReferralFactory(case=case, organisation=world.police)


def test_tokens_are_stored_hashed_and_can_be_revoked(world, referral):
    client, token, key = client_for(world.police)
    assert key not in token.key_hash and len(token.key_hash) == 64
    assert client.get("/api/v1/referrals/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.last_used_at)
    assert client.get("/api/v1/referrals/").status_code == 401
    anonymous = APIClient()
    assert anonymous.get("/api/v1/referrals/").status_code == 401
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION=f"Token {key[:-2]}xx")
    assert forged.get("/api/v1/referrals/").status_code == 401


def test_an_organisation_reads_and_acts_on_its_own_referrals_only(world, referral):
    police, _t, _k = client_for(world.police)
    other_station = OrganisationFactory(name="天平路派出所", kind=OrgKind.POLICE_STATION)
    stranger, _t2, _k2 = client_for(other_station)

    listing = police.get("/api/v1/referrals/").json()
    assert [r["id"] for r in listing["results"]] == [referral.pk]
    assert listing["results"][0]["case_reference"] == referral.case.reference

    assert stranger.get("/api/v1/referrals/").json()["results"] == []
    assert stranger.get(f"/api/v1/referrals/{referral.pk}/").status_code == 404
    response = stranger.post(
        f"/api/v1/referrals/{referral.pk}/act/", {"action": "sign_for", "version": 1}, format="json"
    )
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DISPATCHED

    response = police.post(
        f"/api/v1/referrals/{referral.pk}/act/", {"action": "sign_for", "version": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "signed_for"
    # A stale version: 409, nothing changes.
    response = police.post(
        f"/api/v1/referrals/{referral.pk}/act/",
        {"action": "send_reply", "version": 1, "reply": "Done."},
        format="json",
    )
    assert response.status_code == 409
    # The service's own refusals come back as 400 with the reasons.
    response = police.post(
        f"/api/v1/referrals/{referral.pk}/act/",
        {"action": "send_reply", "version": 2, "reply": "  "},
        format="json",
    )
    assert response.status_code == 400 and "Write the reply" in str(response.json())
    # Street-side actions are not the organisation's to take.
    response = police.post(
        f"/api/v1/referrals/{referral.pk}/act/",
        {"action": "accept_reply", "version": 2},
        format="json",
    )
    assert response.status_code == 400
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SIGNED_FOR


def test_a_hotline_order_posted_twice_creates_one_case(world):
    street, _t, _k = client_for(world.committee_a)
    order = {
        "category": "construction_noise",
        "place": world.building_a.pk,
        "description": "12345工单：夜间施工扰民。",
        "external_ref": "SH12345-2026-000777",
        "applicant_name": "王秀英",
        "applicant_phone": "13912345678",
    }
    first = street.post("/api/v1/cases/", order, format="json")
    second = street.post("/api/v1/cases/", order, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["reference"] == second.json()["reference"]
    case = Case.objects.get(external_ref="SH12345-2026-000777")
    assert case.channel == "hotline" and case.organisation == world.committee_a
    assert Case.objects.count() == 1
    timeline = street.get(f"/api/v1/cases/{case.pk}/timeline/").json()["results"]
    assert timeline[0]["kind"] == "registered"


def test_a_category_code_with_a_nul_character_is_a_400_not_a_500(world):
    street, _t, _k = client_for(world.committee_a)
    response = street.post(
        "/api/v1/cases/",
        {"category": "construction_noise\x00", "place": world.building_a.pk, "description": "x"},
        format="multipart",
    )
    assert response.status_code == 400 and "category" in response.json()
    assert not Case.objects.exists()


def test_the_street_cannot_register_or_read_outside_its_area(world):
    street, _t, _k = client_for(world.committee_a)
    other = make_case(place=world.estate_b, organisation=world.committee_b)
    assert street.get(f"/api/v1/cases/{other.pk}/").status_code == 404
    response = street.post(
        "/api/v1/cases/",
        {"category": "pets", "place": world.estate_b.pk, "description": "x"},
        format="json",
    )
    assert response.status_code == 403 and not Case.objects.exclude(pk=other.pk).exists()
    # An agency's token registers nothing.
    police, _t, _k = client_for(world.police)
    response = police.post(
        "/api/v1/cases/",
        {"category": "pets", "place": world.building_a.pk, "description": "x"},
        format="json",
    )
    assert response.status_code == 403


def test_the_admin_shows_the_key_once(admin_client, world):
    response = admin_client.post(
        "/admin/casework/apitoken/add/",
        {"organisation": world.police.pk, "name": "派出所系统"},
        follow=True,
    )
    token = ApiToken.objects.get()
    text = response.content.decode()
    assert f"ll_{token.prefix}_" in text
    assert site._registry[ApiToken].has_delete_permission(None) is False


def test_the_schema_and_docs_are_for_supervisors_and_integration_staff(
    client, admin_client, mediator, supervisor, world
):
    for url in ("/api/v1/schema/", "/api/v1/docs/"):
        response = client.get(url)  # anonymous: the sign-in page
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        client.force_login(mediator)  # a mediator of a committee without an API token
        assert client.get(url).status_code == 403
        client.force_login(supervisor)
        assert client.get(url).status_code == 200
        client.logout()
    # Integration staff: whoever works at an organisation holding an active token.
    issue_token(organisation=world.committee_a, name="网格化平台")
    client.force_login(mediator)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    ApiToken.objects.update(revoked_at=timezone.now())
    assert client.get("/api/v1/schema/").status_code == 403
    schema = admin_client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    assert "no-store" in schema["Cache-Control"]
    assert admin_client.get("/api/v1/docs/").status_code == 200


# ------------------------------------------------------------------ Schemathesis


@pytest.fixture
def keep_the_connection():
    """Schemathesis calls the WSGI app directly, and Django closes the database connection
    at each request's start and end; inside the test's transaction that closes it under the
    test (PostgreSQL). Django's own test client suspends this the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Every check runs on every operation (not_a_server_error, status_code_conformance,
# content_type_conformance, response_headers_conformance, response_schema_conformance,
# negative_data_rejection, positive_data_acceptance, ...), except positive-data acceptance
# ("a schema-valid request is accepted") where the request names rows the schema cannot
# list: a POST naming a place id that does not exist, or acting on a referral in a state
# where that action is refused, is rightly answered 400/409 with the reason. Reads accept
# every schema-valid filter (an id you cannot see matches nothing).
WITHOUT_ACCEPTANCE = {
    "POST /api/v1/cases/": [positive_data_acceptance],
    "POST /api/v1/referrals/{id}/act/": [positive_data_acceptance],
}


def test_the_api_answers_generated_requests_without_a_500(world, referral, keep_the_connection):
    """Property-based (Schemathesis): requests generated from the OpenAPI schema for every
    operation, with a street token and with an agency token, never get a 500 and every
    response matches the schema."""
    from hypothesis import given

    _c, _t, street_key = client_for(world.committee_a, name="fuzz-street")
    _c2, _t2, police_key = client_for(world.police, name="fuzz-police")
    # The schema is served to signed-in staff only: generate it as its view does, then
    # call the app with tokens (a test client request here would undo keep_the_connection).
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True))
    api = schemathesis.openapi.from_dict(json.loads(document))
    api.app, api.location = application, "/api/v1/schema/"
    operations = [result.ok() for result in api.get_all_operations()]
    assert {op.label for op in operations} >= {
        "GET /api/v1/cases/",
        "POST /api/v1/cases/",
        "GET /api/v1/referrals/",
        "POST /api/v1/referrals/{id}/act/",
    }

    def fuzz(operation, key):
        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(
                headers={"Authorization": f"Token {key}"},
                excluded_checks=WITHOUT_ACCEPTANCE.get(operation.label, []),
            )

        run()

    for key in (street_key, police_key):
        for operation in operations:
            fuzz(operation, key)
