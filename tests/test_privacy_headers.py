"""No copies of personal data left behind: ``Cache-Control: no-store, private`` on every
response to a signed-in user or an API token and on the resident's own pages;
``Permissions-Policy`` with the powerful features off on every response
(core/middleware.py, core/http.py)."""

import io
import re

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.urls import path, reverse
from PIL import Image

from casework.api_auth import issue_token
from casework.models import CaseAttachment, Status
from core.http import no_store, permissions_policy
from core.idempotency import new_token
from tests.factories import category, make_case
from tests.report_pdf import fetch_report_pdf


def _directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def assert_not_kept(response):
    assert {"no-store", "private"} <= _directives(response), response.get("Cache-Control")
    assert "public" not in _directives(response)


def assert_features_off(response, allowed=()):
    policy = dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert policy[feature] == ("(self)" if feature in allowed else "()"), feature


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


# ----------------------------------------------------------------- staff


def test_a_staff_page_is_not_kept(client, world, mediator):
    client.force_login(mediator)
    response = client.get(reverse("casework:case_list"))
    assert response.status_code == 200
    assert_not_kept(response)
    assert_features_off(response)


def test_the_login_page_is_not_kept_and_has_the_features_off(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_not_kept(response)
    assert_features_off(response)


def test_a_404_has_the_features_off_and_is_not_kept_for_a_signed_in_user(client, world, mediator):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_features_off(response)
    assert "no-store" not in _directives(response)  # anonymous, nothing personal
    client.force_login(mediator)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_not_kept(response)


def test_an_attachment_download_is_not_kept(client, world, mediator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = make_case(place=world.building_a, organisation=world.committee_a)
    client.force_login(mediator)
    upload = SimpleUploadedFile("现场照片.png", _png(), content_type="image/png")
    client.post(reverse("casework:attachment_upload", args=[case.pk]), {"file": upload})
    attachment = CaseAttachment.objects.get()
    response = client.get(reverse("casework:attachment_download", args=[case.pk, attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == _png()
    assert_not_kept(response)
    assert_features_off(response)


def test_exports_and_the_monthly_report_pdf_are_not_kept(
    client, world, supervisor, django_capture_on_commit_callbacks
):
    make_case(place=world.building_a, organisation=world.committee_a)
    client.force_login(supervisor)
    export = client.get(reverse("casework:export_cases", args=["csv"]))
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert_not_kept(export)
    xlsx = client.get(reverse("casework:export_report", args=["xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert_not_kept(xlsx)
    report = fetch_report_pdf(client, django_capture_on_commit_callbacks)
    assert report.status_code == 200 and b"".join(report.streaming_content).startswith(b"%PDF")
    assert_not_kept(report)


def test_an_api_response_to_a_token_is_not_kept(client, world):
    _token, key = issue_token(organisation=world.committee_a, name="system")
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert_not_kept(response)


# ----------------------------------------------------------------- residents


def test_the_residents_receipt_and_status_pages_are_not_kept(client, world):
    response = client.post(
        reverse("portal:submit"),
        {
            "category": category("construction_noise").pk,
            "place": world.building_a.pk,
            "address": "3号楼2单元",
            "description": "工地每天晚上打桩到十一点。",
            "requests": "",
            "name": "王建国",
            "phone": "13812345678",
            "email": "",
            "consent": "on",
            "leave_empty": "",
            "submission_token": new_token(),
        },
    )
    assert response.status_code == 302
    assert_not_kept(response)
    receipt = client.get(response["Location"])
    page = receipt.content.decode()
    reference = re.search(r'class="big">\s*(\d{4}-\d+)\s*<', page).group(1)
    code = re.search(r'class="big code">\s*([A-Z0-9]+)\s*<', page).group(1)
    assert_not_kept(receipt)  # the status code is on it: the back button must not show it
    assert_features_off(receipt)

    found = client.post(reverse("portal:lookup"), {"reference": reference, "code": code})
    assert found.status_code == 302
    status = client.get(found["Location"])
    assert status.status_code == 200 and reference in status.content.decode()
    assert_not_kept(status)
    assert_features_off(status)


@pytest.mark.parametrize("name", ["portal:submit", "portal:lookup"])
def test_the_residents_forms_are_not_kept(client, db, name):
    # They echo back what the resident typed (name, phone, reference) when a field is wrong.
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_not_kept(response)
    # The grievance form may ask for the position ("use my location"), for this site only.
    assert_features_off(response, allowed={"geolocation"} if name == "portal:submit" else ())


def test_the_health_check_and_static_files_are_cacheable_with_the_features_off(client, db):
    health = client.get("/healthz")
    assert health.status_code == 200 and "no-store" not in _directives(health)
    assert_features_off(health)
    css = client.get("/static/css/linli.css")  # answered by WhiteNoise, further in
    assert css.status_code == 200
    assert_features_off(css)


def test_a_refused_oversize_request_has_the_features_off(client, settings):
    response = client.post(
        "/r/",
        data=b"x",
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(settings.LINLI["MAX_REQUEST_BYTES"] + 1),
    )
    assert response.status_code == 413
    assert_features_off(response)


# ----------------------------------------------------------------- the opt-ins


@login_not_required
@permissions_policy(geolocation="self", camera="self")
def _where_am_i(request):
    return HttpResponse("map")


@login_not_required
@no_store
def _private_note(request):
    return HttpResponse("note")


urlpatterns = [
    path("where/", _where_am_i),
    path("note/", _private_note),
]


@pytest.mark.urls(__name__)
def test_a_view_may_allow_a_feature_and_mark_itself_not_kept(client, db):
    response = client.get("/where/")
    assert response.status_code == 200
    assert_features_off(response, allowed=("camera", "geolocation"))
    assert "no-store" not in _directives(response)
    response = client.get("/note/")
    assert response.status_code == 200
    assert_not_kept(response)
    assert_features_off(response)


def test_an_unknown_feature_or_origin_is_refused_at_import():
    with pytest.raises(ValueError, match="Unknown"):
        permissions_policy(teleport="self")
    with pytest.raises(ValueError, match="only 'self' or 'none'"):
        permissions_policy(camera="*")


def test_every_case_status_page_for_staff_is_not_kept(client, world, mediator):
    case = make_case(Status.IN_PROGRESS, place=world.building_a, organisation=world.committee_a)
    client.force_login(mediator)
    response = client.get(reverse("casework:case_detail", args=[case.pk]))
    assert response.status_code == 200
    assert_not_kept(response)
