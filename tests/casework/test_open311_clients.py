"""Open311 as a client written from the GeoReport v2 spec sees it.

``GeoReportClient`` below knows only the published spec (http://wiki.open311.org/
GeoReport_v2): paths ``services.{fmt}``, ``services/{code}.{fmt}``, ``requests.{fmt}``,
``requests/{id}.{fmt}``, ``tokens/{token}.{fmt}``; form-encoded POST with ``api_key``;
errors as a list of ``code``/``description`` (``<errors><error>`` in XML). It parses XML
with ElementTree into the same dicts as JSON, so each test runs in both formats.
"""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.test import Client

from casework.api_auth import issue_token
from casework.models import Case, Open311Request
from core.models import SecurityEvent, SecurityEventKind

BASE = "/open311/v2"


def _xml_value(node):
    children = list(node)
    if not children:
        return node.text
    if node.tag in {"values", "attributes", "errors"} or (
        len({c.tag for c in children}) == 1 and len(children) > 1
    ):
        return [_xml_value(c) for c in children]
    return {c.tag: _xml_value(c) for c in children}


class GeoReportClient:
    """A minimal GeoReport v2 client from the spec, over Django's test client."""

    def __init__(self, fmt: str, *, language: str | None = None, api_key: str | None = None):
        headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
        self.http = Client(**headers)
        self.fmt = fmt
        self.api_key = api_key

    def _parse(self, response):
        if self.fmt == "xml":
            assert response["Content-Type"] == "text/xml; charset=utf-8"
            root = ET.fromstring(response.content)
            if root.tag in {"services", "service_requests", "errors"}:
                return response.status_code, [_xml_value(child) for child in root]
            return response.status_code, _xml_value(root)
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return response.status_code, response.json()

    def get(self, path: str, **params):
        return self._parse(self.http.get(f"{BASE}/{path}.{self.fmt}", params))

    def post_request(self, **fields):
        if self.api_key is not None:
            fields.setdefault("api_key", self.api_key)
        return self._parse(self.http.post(f"{BASE}/requests.{self.fmt}", fields))


FORMATS = pytest.mark.parametrize("fmt", ["json", "xml"])


@pytest.fixture
def key(world):
    return issue_token(organisation=world.committee_a, name="随申办小程序")[1]


@pytest.fixture
def mapped(world):
    """Two estates and a building with WGS-84 points (about 1.2 km apart)."""
    for place, (lat, lng) in {
        world.estate_a: ("31.203500", "121.430000"),
        world.building_a: ("31.203700", "121.430300"),
        world.estate_b: ("31.210000", "121.440000"),
    }.items():
        place.latitude, place.longitude = Decimal(lat), Decimal(lng)
        place.save()
    return world


@FORMATS
def test_services_come_in_the_language_asked_for(fmt, db):
    status, rows = GeoReportClient(fmt).get("services")
    assert status == 200
    noise = next(r for r in rows if r["service_code"] == "construction_noise")
    assert noise["service_name"] == "施工噪音"  # zh-hans is the default
    status, rows = GeoReportClient(fmt, language="en-US,en;q=0.9").get("services")
    noise = next(r for r in rows if r["service_code"] == "construction_noise")
    assert noise["service_name"] == "Construction noise"
    # GeoReport's own `locale` parameter wins over the header.
    status, rows = GeoReportClient(fmt, language="en").get("services", locale="zh_CN")
    assert next(r for r in rows if r["service_code"] == "pets")["service_name"] == "文明养宠"


@FORMATS
def test_service_definition_lists_the_attributes_in_chinese(fmt, db):
    status, definition = GeoReportClient(fmt).get("services/construction_noise")
    assert status == 200 and definition["service_code"] == "construction_noise"
    attributes = definition["attributes"]
    if isinstance(attributes, dict):  # one <attribute> only
        attributes = [attributes]
    first = attributes[0]
    assert first["code"] == "time_of_day" and str(first["required"]).lower() == "true"
    assert first["description"] == "噪声出现在什么时段？"
    names = [v["name"] for v in first["values"]]
    assert names == ["白天（6时至22时）", "夜间（22时至次日6时）"]


@FORMATS
def test_post_without_or_with_a_bad_api_key_is_refused_403(fmt, world):
    client = GeoReportClient(fmt, language="en")
    fields = {"service_code": "pets", "address_id": str(world.building_a.pk), "description": "狗叫"}
    status, errors = client.post_request(**fields)
    assert status == 403
    assert errors == [
        {
            "code": 403 if fmt == "json" else "403",
            "description": "api_key is required to create service requests",
        }
    ]
    status, errors = client.post_request(api_key="ll_NOPE1234_secret", **fields)
    assert status == 403 and errors[0]["description"] == "api_key is not valid"
    failure = SecurityEvent.objects.get(kind=SecurityEventKind.API_AUTH_FAILED)
    assert failure.detail == {"prefix": "NOPE1234"}
    assert not Case.objects.exists()


def test_a_revoked_key_is_refused_and_failures_are_throttled_per_address(world, key, rates):
    from django.utils import timezone

    from casework.models import ApiToken

    rates(api_auth_failure="2/15m")
    client = GeoReportClient("json", language="en")
    fields = {"service_code": "pets", "address_id": str(world.building_a.pk), "description": "狗叫"}
    ApiToken.objects.update(revoked_at=timezone.now())
    assert client.post_request(api_key=key, **fields)[0] == 403
    assert client.post_request(api_key=key, **fields)[0] == 403
    status, errors = client.post_request(api_key=key, **fields)
    assert status == 429 and errors[0]["code"] == 429
    assert not Case.objects.exists()


@FORMATS
def test_lat_long_files_the_case_at_the_nearest_place_and_the_token_finds_it(fmt, mapped, key):
    client = GeoReportClient(fmt, api_key=key)
    # ~40 m from 和平小区, ~1.2 km from 幸福小区.
    status, rows = client.post_request(
        service_code="pets", lat="31.21030", long="121.44020", description="小区里有狗夜里一直叫"
    )
    assert status == 201, rows
    (row,) = rows
    case = Case.objects.get(reference=row["service_request_id"])
    assert case.place == mapped.estate_b and case.organisation == mapped.committee_b
    assert row["token"] == Open311Request.objects.get(case=case).token
    assert "请转告居民" in row["service_notice"]  # in Chinese, with the portal's code

    status, found = client.get(f"tokens/{row['token']}")
    assert status == 200
    assert found == [{"service_request_id": case.reference, "token": row["token"]}]
    status, errors = client.get("tokens/not-a-token")
    assert status == 404 and errors[0]["description"] == "未找到 token 'not-a-token'"

    # The request reads back with the estate's point, never a building's.
    status, requests = client.get(f"requests/{case.reference}")
    assert float(requests[0]["lat"]) == 31.21 and float(requests[0]["long"]) == 121.44


def test_a_point_by_a_building_picks_the_building(mapped, key):
    client = GeoReportClient("json", api_key=key)
    status, rows = client.post_request(
        service_code="pets", lat="31.20371", long="121.43031", description="楼道里堆放杂物"
    )
    assert status == 201
    case = Case.objects.get(reference=rows[0]["service_request_id"])
    assert case.place == mapped.building_a
    _, requests = client.get(f"requests/{case.reference}")
    assert (requests[0]["lat"], requests[0]["long"]) == (31.2035, 121.43)  # the estate's


@FORMATS
def test_media_url_and_attributes_are_checked_and_kept(fmt, mapped, key):
    client = GeoReportClient(fmt, language="en", api_key=key)
    base = {"service_code": "construction_noise", "address_id": str(mapped.building_a.pk)}
    status, errors = client.post_request(
        **base,
        description="夜间打桩",
        media_url="javascript:alert(1)",
        **{"attribute[time_of_day]": "midnight", "attribute[colour]": "red"},
    )
    assert status == 400
    assert {e["description"] for e in errors} == {
        "media_url must be an http or https URL",
        "attribute[time_of_day] has a value not in its list",
        "attribute[colour] is not an attribute of service construction_noise",
    }
    status, errors = client.post_request(**base, description="夜间打桩")
    assert status == 400
    assert [e["description"] for e in errors] == ["attribute[time_of_day] is required"]
    assert not Case.objects.exists()

    photo = "https://img.example.cn/2026/12/打桩.jpg"
    status, rows = client.post_request(
        **base,
        description="夜间打桩",
        media_url=photo,
        **{"attribute[time_of_day]": "night", "attribute[recurring]": "daily"},
    )
    assert status == 201
    case = Case.objects.get(reference=rows[0]["service_request_id"])
    assert case.open311.media_url == photo
    assert case.open311.attributes == {"time_of_day": "night", "recurring": "daily"}
    _, requests = client.get(f"requests/{case.reference}")
    assert requests[0]["media_url"] == photo


@FORMATS
def test_every_error_is_the_spec_error_list(fmt, db):
    http = Client(HTTP_ACCEPT_LANGUAGE="en")

    def errors(response):
        return GeoReportClient(fmt)._parse(response)

    status, body = errors(http.get(f"{BASE}/nowhere.{fmt}"))
    assert (
        status == 404
        and body[0]["description"] == f"{BASE}/nowhere.{fmt} is not an Open311 resource"
    )
    status, body = errors(http.post(f"{BASE}/services.{fmt}"))
    assert status == 405 and "use GET" in body[0]["description"]
    status, body = errors(http.delete(f"{BASE}/requests.{fmt}"))
    assert status == 405
    assert http.delete(f"{BASE}/requests.{fmt}")["Allow"] == "GET, POST"
    status, body = errors(http.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": "beijing"}))
    assert (
        status == 404 and "jurisdiction_id 'beijing' is not served here" in body[0]["description"]
    )
    status, body = errors(http.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": "linli"}))
    assert status == 200


def test_an_unknown_format_answers_a_json_error_list(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"{BASE}/services.csv")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == [
        {"code": 404, "description": "format 'csv' is not served: use .json or .xml"}
    ]


def test_the_case_page_shows_the_point_the_photo_link_and_the_answers(mapped, key, mediator):
    photo = "https://img.example.cn/打桩.jpg"
    _, rows = GeoReportClient("json", api_key=key).post_request(
        service_code="construction_noise",
        lat="31.20371",
        long="121.43031",
        description="夜间打桩",
        media_url=photo,
        **{"attribute[time_of_day]": "night"},
    )
    case = Case.objects.get(reference=rows[0]["service_request_id"])
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(mediator)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "坐标（WGS-84）：31.203700, 121.430300" in page
    assert "噪声出现在什么时段？ 夜间（22时至次日6时）" in page
    assert f'href="{photo}"' in page and "照片链接（未经本系统核实）" in page
