"""Open311 GeoReport v2, endpoint by endpoint and field by field, in JSON and XML."""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from casework import services
from casework.api_auth import issue_token
from casework.models import Case, Channel, Status
from casework.status_codes import status_code_matches
from tests.factories import CaseEventFactory, PartyFactory, ReferralFactory, category, make_case

REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}


@pytest.fixture
def client():
    """These tests read the English messages; test_open311_clients.py reads Chinese."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def key(world):
    return issue_token(organisation=world.committee_a, name="微信小程序")[1]


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return ET.fromstring(response.content)


@pytest.fixture
def case(world, mediator):
    c = make_case(
        Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
        description="王阿姨说隔壁装修",
        category=category("construction_noise"),
    )
    PartyFactory(case=c, name="王阿姨", phone="13912345678")
    services.case_add_note(case=c, actor=mediator, text="已约施工方现场协调。", public=True)
    CaseEventFactory(case=c, note="INTERNAL: 申请人情绪激动")
    ReferralFactory(case=c, organisation=world.police, role="lead")
    return c


def test_services_json_and_xml(client, db):
    rows = client.get("/open311/v2/services.json").json()
    assert {r["service_code"] for r in rows} >= {"construction_noise", "pets"}
    assert all(set(r) == SERVICE_FIELDS for r in rows)
    noise = next(r for r in rows if r["service_code"] == "construction_noise")
    assert noise["metadata"] is True and noise["type"] == "batch"
    assert noise["service_name"] == "Construction noise"
    root = xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    first = root.find("service")
    assert {child.tag for child in first} == SERVICE_FIELDS
    assert first.find("metadata").text == "true"  # every service has an attribute


def test_service_definition_and_unknown_service(client, db):
    definition = client.get("/open311/v2/services/pets.json").json()
    assert definition["service_code"] == "pets"
    (recurring,) = definition["attributes"]
    assert recurring["code"] == "recurring" and recurring["datatype"] == "singlevaluelist"
    assert recurring["variable"] is True and recurring["required"] is False
    assert [v["key"] for v in recurring["values"]] == ["once", "often", "daily"]
    assert recurring["description"] == "Does it keep happening?"
    root = xml(client.get("/open311/v2/services/pets.xml"))
    assert root.tag == "service_definition" and root.find("service_code").text == "pets"
    keys = [v.text for v in root.findall("attributes/attribute/values/value/key")]
    assert keys == ["once", "often", "daily"]
    response = client.get("/open311/v2/services/nope.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "service_code 'nope' not found"}]
    root = xml(client.get("/open311/v2/services/nope.xml"))
    assert root.tag == "errors" and root.find("error/code").text == "404"


def test_a_request_field_by_field_without_personal_data(client, case, world):
    response = client.get(f"/open311/v2/requests/{case.reference}.json")
    (row,) = response.json()
    assert set(row) == REQUEST_FIELDS
    assert row["service_request_id"] == case.reference
    assert row["status"] == "open"
    assert row["status_notes"] == "已约施工方现场协调。"
    assert row["service_code"] == "construction_noise"
    assert row["agency_responsible"] == "新华路派出所"  # the lead referral
    assert row["address"] == "新华路街道 / 番禺居民区 / 幸福小区"  # estate, not the building
    assert row["requested_datetime"].endswith("+08:00")
    body = response.content.decode()
    for secret in ("王阿姨", "13912345678", "INTERNAL", "隔壁装修", "3号楼"):
        assert secret not in body
    root = xml(client.get(f"/open311/v2/requests/{case.reference}.xml"))
    request = root.find("request")
    assert root.tag == "service_requests" and {c.tag for c in request} == REQUEST_FIELDS
    assert request.find("status").text == "open"
    assert client.get("/open311/v2/requests/2026-999999.json").status_code == 404


def test_request_list_filters(client, case, world):
    closed = make_case(
        Status.CLOSED,
        place=world.building_a,
        organisation=world.committee_a,
        category=category("pets"),
    )

    def ids(query):
        return {
            r["service_request_id"] for r in client.get(f"/open311/v2/requests.json{query}").json()
        }

    assert ids("") == {case.reference, closed.reference}
    assert ids("?status=open") == {case.reference}
    assert ids("?status=closed") == {closed.reference}
    assert ids("?service_code=pets") == {closed.reference}
    assert ids(f"?service_request_id={closed.reference},{case.reference}") == {
        case.reference,
        closed.reference,
    }
    assert ids("?start_date=2099-01-01T00:00:00Z") == set()
    response = client.get("/open311/v2/requests.json?start_date=yesterday&status=maybe")
    assert response.status_code == 400
    assert [e["code"] for e in response.json()] == [400, 400]


def test_post_creates_a_case_like_the_portal(world, mediator, key):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")  # no CSRF token
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "construction_noise",
            "attribute[time_of_day]": "night",
            "address_id": str(world.building_a.pk),
            "description": "夜间施工噪音，晚上11点后仍在打桩。",
            "first_name": "秀英",
            "last_name": "王",
            "phone": "13912345678",
        },
        REMOTE_ADDR="10.1.1.1",
    )
    assert response.status_code == 201
    (row,) = response.json()
    assert set(row) == {"service_request_id", "token", "service_notice", "account_id"}
    case = Case.objects.get(reference=row["service_request_id"])
    assert case.channel == Channel.ONLINE and case.status == Status.REGISTERED
    assert case.place == world.building_a and case.organisation == world.committee_a
    # The token is a handle, not the resident's code; the code is in the notice, once.
    assert not status_code_matches(case, row["token"])
    assert case.open311.token == row["token"] and case.open311.attributes == {
        "time_of_day": "night"
    }
    code = row["service_notice"].rsplit(" ", 1)[1]
    assert status_code_matches(case, code)
    assert case.parties.get().name == "王 秀英"


def test_post_with_missing_fields_answers_the_spec_error_format(client, key):
    response = client.post("/open311/v2/requests.json", {"api_key": key})
    assert response.status_code == 400
    errors = response.json()
    assert {e["description"] for e in errors} == {
        "service_code is required",
        "a location is required: address_string, address_id or lat/long",
        "description is required",
    }
    assert all(e["code"] == 400 for e in errors)
    root = xml(
        client.post("/open311/v2/requests.xml", {"api_key": key, "lat": "31.2", "long": "121.4"})
    )
    assert root.tag == "errors"
    descriptions = {e.find("description").text for e in root.findall("error")}
    assert (
        "no estate or building is known within 1000 m of lat/long: "
        "send address_string or address_id" in descriptions
    )
    assert not Case.objects.exists()


def test_post_is_rate_limited_per_address_like_the_portal(client, world, rates, key):
    rates(submission_address="1/h")
    data = {
        "api_key": key,
        "service_code": "pets",
        "address_id": str(world.building_a.pk),
        "description": "狗叫",
    }
    assert client.post("/open311/v2/requests.json", data).status_code == 201
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 429 and response.json()[0]["code"] == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "Please try again after" in response.json()[0]["description"]
    assert Case.objects.count() == 1


def test_discovery(client, db):
    document = client.get("/open311/discovery.json").json()
    endpoint = document["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    root = xml(client.get("/open311/discovery.xml"))
    assert root.find("endpoints/endpoint/specification").text.endswith("GeoReport_v2")


def test_request_list_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    for _ in range(3):
        make_case(Status.IN_PROGRESS, place=world.building_a, organisation=world.committee_a)
    with django_assert_max_num_queries(4) as few:
        client.get("/open311/v2/requests.json")
    for _ in range(25):
        make_case(Status.IN_PROGRESS, place=world.building_a, organisation=world.committee_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/open311/v2/requests.json")
    assert len(response.json()) == 28
