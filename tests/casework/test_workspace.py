"""The mediator's workspace pages: intake, list, case page, dashboard, attachments."""

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from casework import services, status_codes
from casework.models import Case, CaseAttachment, CaseEvent, Channel, Party, PlaceKind, Status
from core.exceptions import TransitionRefused
from core.idempotency import new_token
from tests.factories import CaseEventFactory, PartyFactory, PlaceFactory, category, make_case


def _case(world, state=Status.REGISTERED, **kwargs):
    return make_case(
        state, place=kwargs.pop("place", world.building_a), organisation=world.committee_a, **kwargs
    )


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


# ------------------------------------------------------------------- access


@pytest.mark.parametrize("name", ["casework:case_list", "casework:case_new"])
def test_every_workspace_page_sends_anonymous_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("casework:case_detail", "get"),
        ("casework:case_receipt", "get"),
        ("casework:case_note", "post"),
        ("casework:case_assign", "post"),
        ("casework:case_merge", "post"),
        ("casework:attachment_upload", "post"),
    ],
)
def test_an_outsider_gets_404_on_every_case_url(client, world, outsider, name, method):
    case = _case(world)
    client.force_login(outsider)
    response = getattr(client, method)(reverse(name, args=[case.pk]), {"text": "x"})
    assert response.status_code == 404
    assert not CaseEvent.objects.filter(case=case).exists()


def test_agency_officers_cannot_register_cases(client, agency_officer):
    client.force_login(agency_officer)
    assert client.get(reverse("casework:case_new")).status_code == 403


# ------------------------------------------------------------------- intake


def _intake_post(world, **overrides):
    data = {
        "category": category("construction_noise").pk,
        "place": world.building_a.pk,
        "channel": Channel.WALK_IN,
        "description": "工地夜间施工，噪音扰民。",
        "requests": "晚上十点后停工。",
        "priority": "urgent",
        "escalation_risk": "on",
        "party-TOTAL_FORMS": "3",
        "party-INITIAL_FORMS": "0",
        "party-0-role": "applicant",
        "party-0-kind": "resident",
        "party-0-name": "王建国",
        "party-0-phone": "13812345678",
        "party-1-role": "respondent",
        "party-1-kind": "enterprise",
        "party-1-name": "某建筑公司",
        "party-2-role": "third_party",
        "party-2-kind": "resident",
        "submission_token": new_token(),  # each call is a fresh form from the page
    }
    data.update(overrides)
    return data


def test_intake_registers_a_case_and_shows_the_code_once(client, world, mediator):
    client.force_login(mediator)
    response = client.post(reverse("casework:case_new"), _intake_post(world))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:case_receipt", args=[case.pk])
    assert (case.status, case.priority, case.escalation_risk) == ("registered", "urgent", True)
    assert case.organisation == world.committee_a
    assert sorted(case.parties.values_list("name", "role")) == [
        ("某建筑公司", "respondent"),
        ("王建国", "applicant"),
    ]
    receipt = client.get(response["Location"]).content.decode()
    code = re.search(r'class="big code">\s*([A-Z0-9]+)\s*<', receipt).group(1)
    assert status_codes.status_code_matches(case, code)
    assert case.reference in receipt
    again = client.get(response["Location"]).content.decode()
    assert code not in again and case.reference in again


def test_intake_keeps_the_input_and_explains_errors(client, world, mediator):
    client.force_login(mediator)
    data = _intake_post(world, description="   ", **{"party-0-phone": "call me maybe"})
    page = client.post(reverse("casework:case_new"), data).content.decode()
    assert "Describe what happened." in page
    assert "Enter a phone number using digits only" in page
    assert "王建国" in page  # nothing typed is lost
    assert not Case.objects.exists()


def test_intake_needs_an_applicant(client, world, mediator):
    client.force_login(mediator)
    data = _intake_post(world, **{"party-0-role": "respondent"})
    page = client.post(reverse("casework:case_new"), data, follow=True).content.decode()
    assert "Add at least one applicant." in page
    assert not Case.objects.exists()


def test_intake_refuses_a_place_outside_the_area(client, world, mediator):
    client.force_login(mediator)
    page = client.post(reverse("casework:case_new"), _intake_post(world, place=world.estate_b.pk))
    assert "Select a valid choice" in page.content.decode()
    assert not Case.objects.exists()


def test_intake_survives_hostile_and_huge_input(client, world, mediator):
    client.force_login(mediator)
    data = _intake_post(world, description="<script>alert(1)</script>😀" + "长" * 19000)
    response = client.post(reverse("casework:case_new"), data)
    case = Case.objects.get()
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    too_long = _intake_post(world, description="x" * 20001)
    assert client.post(reverse("casework:case_new"), too_long).status_code == 200
    assert Case.objects.count() == 1
    assert response.status_code == 302


def test_a_hotline_order_number_is_registered_once(client, world, mediator):
    client.force_login(mediator)
    data = _intake_post(world, channel=Channel.HOTLINE, external_ref="SH12345-0001")
    client.post(reverse("casework:case_new"), data)
    # The same order typed again on a fresh form (a second one-time token).
    again = _intake_post(world, channel=Channel.HOTLINE, external_ref="SH12345-0001")
    page = client.post(reverse("casework:case_new"), again).content.decode()
    assert "already registered" in page
    assert Case.objects.count() == 1


# -------------------------------------------------------------------- list


def _list(client, **params):
    response = client.get(reverse("casework:case_list"), params)
    assert response.status_code == 200
    return {c.reference for c in response.context["page"].object_list}


def test_each_filter_narrows_the_list(client, world, supervisor):
    stairwell = PlaceFactory(kind=PlaceKind.STAIRWELL, name="2单元", parent=world.building_a)
    today = timezone.localdate()
    noise = _case(world, category=category("noise"), description="楼上噪音")
    in_stairwell = _case(world, place=stairwell, priority="urgent", channel=Channel.PHONE)
    in_b = _case(world, place=world.estate_b)
    overdue = _case(
        world,
        Status.IN_PROGRESS,
        due_date=today - dt.timedelta(days=2),
        assigned_officer=supervisor,
    )
    due_soon = _case(world, Status.ACCEPTED, due_date=today + dt.timedelta(days=1))
    PartyFactory(case=in_b, name="李秀英")
    old = _case(world)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    client.force_login(supervisor)

    everything = _list(client)
    assert everything == {c.reference for c in (noise, in_stairwell, in_b, overdue, due_soon, old)}
    assert _list(client, category=category("noise").pk) == {noise.reference}
    assert _list(client, place=world.area_a.pk) == everything - {in_b.reference}
    assert _list(client, place=world.building_a.pk) == everything - {in_b.reference}
    assert _list(client, place=stairwell.pk) == {in_stairwell.reference}
    assert _list(client, status=["in_progress", "accepted"]) == {
        overdue.reference,
        due_soon.reference,
    }
    assert _list(client, priority="urgent") == {in_stairwell.reference}
    assert _list(client, channel="phone") == {in_stairwell.reference}
    assert _list(client, assigned_officer=supervisor.pk) == {overdue.reference}
    assert _list(client, due="overdue") == {overdue.reference}
    assert _list(client, due="3") == {due_soon.reference}
    since = (today - dt.timedelta(days=10)).isoformat()
    assert _list(client, created_after=since) == everything - {old.reference}
    assert _list(client, q="秀英") == {in_b.reference}
    assert _list(client, q="噪音") == {noise.reference}
    assert _list(client, q=noise.reference) == {noise.reference}


def test_the_list_is_scoped_and_bad_filters_are_not_errors(client, world, mediator):
    mine = _case(world)
    _case(world, place=world.estate_b)
    client.force_login(mediator)
    assert _list(client) == {mine.reference}
    response = client.get(
        reverse("casework:case_list"), {"place": world.estate_b.pk, "status": "bogus", "o": "nope"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert client.get(reverse("casework:case_list"), {"page": "999"}).status_code == 200


def test_the_list_masks_phones_and_sorts(client, world, mediator):
    a = _case(world, due_date=dt.date(2026, 12, 1))
    b = _case(world, due_date=dt.date(2026, 11, 1))
    PartyFactory(case=a, name="王建国", phone="13812345678")
    client.force_login(mediator)
    page = client.get(reverse("casework:case_list")).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    ordered = client.get(reverse("casework:case_list"), {"o": "due"}).context["page"]
    assert [c.pk for c in ordered.object_list] == [b.pk, a.pk]


def _count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def test_the_list_query_count_does_not_grow_with_rows(client, world, supervisor):
    client.force_login(supervisor)
    url = reverse("casework:case_list")
    for _ in range(10):
        PartyFactory(case=_case(world, Status.IN_PROGRESS, assigned_officer=supervisor))
    filtered = {"status": "in_progress", "category": category().pk, "place": world.area_a.pk}
    _count_queries(client, url), _count_queries(client, url, filtered)  # the forms cached
    ten, ten_filtered = _count_queries(client, url), _count_queries(client, url, filtered)
    for _ in range(190):
        PartyFactory(case=_case(world, Status.IN_PROGRESS, assigned_officer=supervisor))
    _count_queries(client, url)  # warm again: new rows move the cached 需要我处理 count on
    assert _count_queries(client, url) == ten
    assert _count_queries(client, url, filtered) == ten_filtered


def test_the_case_page_query_count_does_not_grow_with_events(client, world, mediator):
    case = _case(world, assigned_officer=mediator)
    PartyFactory(case=case)
    for _ in range(5):
        CaseEventFactory(case=case, actor=mediator)
    client.force_login(mediator)
    url = reverse("casework:case_detail", args=[case.pk])
    five = _count_queries(client, url)
    for _ in range(95):
        CaseEventFactory(case=case, actor=mediator)
    assert _count_queries(client, url) == five


def test_the_dashboard_query_count_does_not_grow(client, world, supervisor):
    client.force_login(supervisor)
    url = reverse("casework:home")
    for _ in range(5):
        _case(world, Status.IN_PROGRESS, assigned_officer=supervisor)
    _count_queries(client, url)  # warm-up: loads this year's working-day calendar into the cache
    few = _count_queries(client, url)
    for _ in range(60):
        _case(world, Status.IN_PROGRESS, assigned_officer=supervisor)
    _count_queries(client, url)  # warm again: new rows move the cached 需要我处理 count on
    assert _count_queries(client, url) == few


# --------------------------------------------------------------- dashboard


def test_the_dashboard_shows_overdue_and_area_counts(client, world, supervisor, mediator):
    today = timezone.localdate()
    late = _case(
        world, Status.IN_PROGRESS, assigned_officer=mediator, due_date=today - dt.timedelta(days=1)
    )
    _case(world, Status.CLOSED)
    client.force_login(supervisor)
    response = client.get(reverse("casework:home"))
    assert [c.pk for c in response.context["overdue"]] == [late.pk]
    by_status = {s.value: n for s, n in response.context["by_status"]}
    assert by_status["in_progress"] == 1 and by_status["closed"] == 1
    client.force_login(mediator)
    response = client.get(reverse("casework:home"))
    assert [c.pk for c in response.context["mine"]] == [late.pk]
    assert "by_status" not in response.context


# -------------------------------------------------------------- case page


def test_notes_from_the_page_land_on_the_timeline(client, world, mediator):
    case = _case(world, assigned_officer=mediator)
    client.force_login(mediator)
    client.post(
        reverse("casework:case_note", args=[case.pk]),
        {"text": "已联系施工方 NOTE-1", "public": "on"},
    )
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.is_public, event.actor) == ("note", True, mediator)
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "NOTE-1" in page


def test_assign_and_merge_from_the_page(client, world, supervisor, mediator):
    case = _case(world)
    target = _case(world, Status.IN_PROGRESS, assigned_officer=mediator)
    PartyFactory(case=case, name="李梅")
    client.force_login(supervisor)
    client.post(
        reverse("casework:case_assign", args=[case.pk]),
        {"officer": mediator.pk, "version": case.version},
    )
    case.refresh_from_db()
    assert case.assigned_officer == mediator
    response = client.post(
        reverse("casework:case_merge", args=[case.pk]), {"target": target.reference}
    )
    assert response["Location"] == reverse("casework:case_detail", args=[target.pk])
    case.refresh_from_db()
    assert case.status == "merged"
    assert Party.objects.filter(case=target, name="李梅").exists()


def test_merging_into_an_invisible_case_is_refused(client, world, mediator):
    case = _case(world)
    elsewhere = _case(world, place=world.estate_b)
    client.force_login(mediator)
    page = client.post(
        reverse("casework:case_merge", args=[case.pk]), {"target": elsewhere.reference}, follow=True
    ).content.decode()
    assert "No case with that reference in your area." in page
    assert Case.objects.get(pk=case.pk).status == "registered"


# ------------------------------------------------------------- attachments


def test_a_photo_is_attached_and_served_only_to_those_who_see_the_case(
    client, world, mediator, outsider, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    case = _case(world, assigned_officer=mediator)
    client.force_login(mediator)
    upload = SimpleUploadedFile("现场照片.png", _png(), content_type="image/png")
    client.post(reverse("casework:attachment_upload", args=[case.pk]), {"file": upload})
    attachment = CaseAttachment.objects.get()
    assert (attachment.original_name, attachment.content_type) == ("现场照片.png", "image/png")
    assert "现场照片" not in attachment.file.name  # stored under a random name
    url = reverse("casework:attachment_download", args=[case.pk, attachment.pk])
    response = client.get(url)
    assert b"".join(response.streaming_content) == _png()
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_an_oversize_upload_is_refused_and_nothing_stored(
    client, world, mediator, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.LINLI = {**settings.LINLI, "MAX_UPLOAD_BYTES": 1000}
    case = _case(world, assigned_officer=mediator)
    client.force_login(mediator)
    big = SimpleUploadedFile("big.png", _png() + b"\0" * 2000, content_type="image/png")
    page = client.post(
        reverse("casework:attachment_upload", args=[case.pk]), {"file": big}, follow=True
    ).content.decode()
    assert "too large" in page
    assert not CaseAttachment.objects.exists() and not list(tmp_path.rglob("*.*"))


def test_a_disguised_file_is_refused_by_content(client, world, mediator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = _case(world, assigned_officer=mediator)
    client.force_login(mediator)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 this is an exe", content_type="image/jpeg")
    page = client.post(
        reverse("casework:attachment_upload", args=[case.pk]), {"file": fake}, follow=True
    ).content.decode()
    assert "Only photos (JPEG, PNG) and PDF documents can be attached." in page
    broken = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    page = client.post(
        reverse("casework:attachment_upload", args=[case.pk]), {"file": broken}, follow=True
    ).content.decode()
    assert "damaged" in page
    assert not CaseAttachment.objects.exists() and not list(tmp_path.rglob("*.*"))


@pytest.mark.parametrize("name", ["../../etc/passwd.png", "..\\..\\boot.png", "a\0b.png", ".."])
def test_a_path_traversal_file_name_is_refused(world, mediator, settings, tmp_path, name):
    settings.MEDIA_ROOT = tmp_path
    case = _case(world, assigned_officer=mediator)
    upload = SimpleUploadedFile("x.png", _png())
    upload._name = name  # as a raw API client could send it, before any sanitising
    with pytest.raises(TransitionRefused, match="file name is not acceptable"):
        services.attachment_add(case=case, actor=mediator, upload=upload)
    assert not CaseAttachment.objects.exists() and not list(tmp_path.rglob("*.*"))


def test_a_traversal_name_through_the_page_never_leaves_the_media_folder(
    client, world, mediator, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = _case(world, assigned_officer=mediator)
    client.force_login(mediator)
    upload = SimpleUploadedFile("../../evil.png", _png(), content_type="image/png")
    client.post(reverse("casework:attachment_upload", args=[case.pk]), {"file": upload})
    assert not (tmp_path / "evil.png").exists()
    for attachment in CaseAttachment.objects.all():
        assert "/" not in attachment.original_name and ".." not in attachment.original_name
        assert (tmp_path / "media").resolve() in (
            tmp_path / "media" / attachment.file.name
        ).resolve().parents


def test_a_pdf_is_accepted(world, mediator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = _case(world, assigned_officer=mediator)
    pdf = SimpleUploadedFile("证据.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF")
    attachment = services.attachment_add(case=case, actor=mediator, upload=pdf)
    assert attachment.content_type == "application/pdf"
    assert attachment.file.name.endswith(".pdf")


def test_the_workspace_speaks_chinese_when_asked(client, world, mediator):
    case = _case(world, assigned_officer=mediator)
    client.force_login(mediator)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "已登记" in page and "办理记录" in page and "受理" in page
    assert 'lang="zh-hans"' in page
    page = client.get(reverse("casework:case_new")).content.decode()
    assert "登记案件" in page and "申请人" in page
