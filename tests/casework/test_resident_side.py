"""The resident's side as #22a builds it: the home page at /, photos and a place by steps
at submission, "use my location", texts at new stages, and 我的诉求 behind a one-time SMS
code (throttled, short-lived, single use, hashed), seen by the outsider too."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from casework import phone_access, services
from casework.models import (
    Case,
    CaseAttachment,
    Category,
    Organisation,
    PhoneCode,
    PlaceKind,
    SmsMessage,
    SmsPurpose,
)
from casework.phones import phone_key
from core import crypto, sms
from tests.casework.test_portal import _receipt, _submit_data
from tests.factories import PartyFactory, PlaceFactory, make_case

PHONE = "13812345678"


def _photo(name="p.jpg", fmt="JPEG", exif=True) -> SimpleUploadedFile:
    image = Image.new("RGB", (8, 8), "blue")
    buffer = io.BytesIO()
    if exif and fmt == "JPEG":
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        image.save(buffer, format=fmt, exif=data.tobytes())
    else:
        image.save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def _steps(world, **extra):
    data = _submit_data(world, place="", **extra)
    data.update(estate=world.estate_a.pk, building=world.building_a.pk, unit="")
    return data


# ------------------------------------------------------------------------ home


def test_the_home_page_says_what_to_report_whom_to_call_and_the_12345_route(
    client, world, django_assert_max_num_queries
):
    Organisation.objects.filter(pk=world.committee_a.pk).update(phone="021-6280 1234")
    with django_assert_max_num_queries(3):
        page = client.get("/").content.decode()
    assert 'href="/r/"' in page and reverse("portal:mine") in page  # the two large buttons
    assert "021-6280 1234" in page and world.committee_a.name in page
    assert 'href="tel:12345"' in page
    assert Category.objects.filter(active=True).first().name in page
    assert reverse("login") in page  # staff keep a visible way in


def test_the_home_page_costs_no_queries_once_cached(client, world, django_assert_num_queries):
    client.get("/")
    with django_assert_num_queries(0):
        client.get("/")


def test_a_signed_in_mediator_at_the_root_gets_the_dashboard(client, mediator):
    client.force_login(mediator)
    page = client.get("/").content.decode()
    assert (
        reverse("casework:case_list") in page and "Report a problem" not in page.split("<main")[-1]
    )


# ------------------------------------------------------------ photos and place


def test_a_grievance_arrives_with_photos_and_a_place_chosen_by_steps(client, world, settings):
    settings.MEDIA_ROOT = settings.BASE_DIR / "var" / "test-media-22a"
    data = _steps(world)
    data["photos"] = [_photo("a.jpg"), _photo("b.png", "PNG")]
    reference, _code, _page = _receipt(client, client.post(reverse("portal:submit"), data))
    case = Case.objects.get(reference=reference)
    assert case.place == world.building_a  # the finest step chosen
    photos = CaseAttachment.objects.filter(case=case).order_by("original_name")
    assert [(p.original_name, p.is_public) for p in photos] == [("a.jpg", True), ("b.png", True)]
    with photos[0].file.open("rb") as stored:
        assert b"PhoneMaker" not in stored.read()  # EXIF stripped before storing


@pytest.mark.parametrize(
    ("photos", "message"),
    [
        (lambda: [_photo(f"{i}.jpg") for i in range(4)], "Choose at most 3 photos."),
        (
            lambda: [SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo")],
            "Only photos (JPEG, PNG) can be sent here.",
        ),
        (lambda: [SimpleUploadedFile("x.jpg", b"GIF89a...")], "Only photos (JPEG, PNG)"),
    ],
)
def test_refused_photos_register_nothing_and_say_why(client, world, photos, message):
    data = _steps(world)
    data["photos"] = photos()
    response = client.post(reverse("portal:submit"), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Case.objects.exists()
    assert "工地每天晚上打桩到十一点。" in response.content.decode()  # nothing typed is lost


def test_a_building_outside_the_chosen_estate_is_refused(client, world):
    data = _steps(world)
    data["estate"] = world.estate_b.pk
    response = client.post(reverse("portal:submit"), data)
    assert "is not in" in response.content.decode()
    assert not Case.objects.exists()


def test_the_steps_work_without_script_every_option_named_in_full(client, world):
    page = client.get(reverse("portal:submit")).content.decode()
    assert (
        f'value="{world.building_a.pk}" data-parent="{world.estate_a.pk}">幸福小区 3号楼<' in page
    )
    assert 'enctype="multipart/form-data"' in page and 'name="photos"' in page
    assert 'autocomplete="tel"' in page and 'inputmode="tel"' in page


def test_the_form_page_costs_the_same_with_many_places(client, world, django_assert_num_queries):
    client.get(reverse("portal:submit"))
    with django_assert_num_queries(2) as few:
        client.get(reverse("portal:submit"))
    for i in range(20):
        PlaceFactory(kind=PlaceKind.BUILDING, name=f"{i}号楼", parent=world.estate_b)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("portal:submit"))


def test_use_my_location_suggests_the_nearest_estate_and_building(client, world):
    world.estate_a.latitude, world.estate_a.longitude = Decimal("31.2050"), Decimal("121.4300")
    world.estate_a.save()
    world.building_a.latitude, world.building_a.longitude = Decimal("31.2051"), Decimal("121.4301")
    world.building_a.save()
    answer = client.get(reverse("portal:nearest"), {"lat": "31.20512", "lng": "121.43012"}).json()
    assert answer["found"] and (answer["estate"], answer["building"]) == (
        world.estate_a.pk,
        world.building_a.pk,
    )
    far = client.get(reverse("portal:nearest"), {"lat": "39.9", "lng": "116.4"}).json()
    assert far == {"found": False}
    assert client.get(reverse("portal:nearest"), {"lat": "x"}).status_code == 400
    assert client.get(reverse("portal:nearest"), {"lat": "91", "lng": "0"}).status_code == 400


# ------------------------------------------------------------------ stage texts


def test_a_resident_who_opted_in_is_texted_at_each_new_public_stage_only(
    client, world, mediator, supervisor, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        reference, _code, _ = _receipt(
            client, client.post(reverse("portal:submit"), _steps(world, sms_updates="on"))
        )
    case = Case.objects.get(reference=reference)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_transition(case=case, name="accept", actor=mediator)
    stage_texts = SmsMessage.objects.filter(case=case, purpose=SmsPurpose.STAGE).order_by("id")
    # In Chinese (the site's language), naming the stage by its code's words.
    assert [m.body for m in stage_texts.all()] == [
        f"您的诉求{reference}已受理。可在 {settings.LINLI['SITE_URL']}/r/mine/ 查看。"
    ]
    assert [m["body"] for m in sms.outbox][-1].startswith("【邻里】您的诉求")
    case = services.case_assign(case=case, officer=mediator, actor=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_transition(case=case, name="start_work", actor=mediator)
    assert stage_texts.count() == 2
    # A pause is still "being handled": no new text.
    with django_capture_on_commit_callbacks(execute=True):
        services.case_transition(case=case, name="wait", actor=mediator, reason="等待城管的答复")
    assert stage_texts.count() == 2


def test_no_stage_texts_without_the_residents_consent(client, world, mediator):
    reference, _code, _ = _receipt(client, client.post(reverse("portal:submit"), _steps(world)))
    case = Case.objects.get(reference=reference)
    services.case_transition(case=case, name="accept", actor=mediator)
    assert not SmsMessage.objects.filter(purpose=SmsPurpose.STAGE).exists()


# --------------------------------------------------------------------- 我的诉求


@pytest.fixture
def two_residents(world):
    mine = make_case("registered", place=world.building_a, organisation=world.committee_a)
    PartyFactory(case=mine, name="王建国", phone="+86 138 1234 5678")
    theirs = make_case("registered", place=world.building_a, organisation=world.committee_a)
    PartyFactory(case=theirs, name="李梅", phone="13900001111")
    return mine, theirs


def _ask_code(client, phone=PHONE, *, capture):
    with capture(execute=True):
        response = client.post(reverse("portal:mine_phone"), {"phone": phone})
    assert response.status_code == 302 and response["Location"] == reverse("portal:mine_code")
    texts = [m for m in sms.outbox if m["to"] == phone.replace(" ", "")[-11:]]
    return re.search(r"\b(\d{6})\b", texts[-1]["body"]).group(1) if texts else None


def test_a_resident_sees_every_case_of_their_number_and_no_other(
    client, two_residents, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    mine, theirs = two_residents
    code = _ask_code(client, capture=django_capture_on_commit_callbacks)
    stored = PhoneCode.objects.get()
    assert code not in stored.code_hash and len(stored.code_hash) == 64  # hashed at rest
    response = client.post(reverse("portal:mine_code"), {"code": code})
    assert response["Location"] == reverse("portal:mine")
    with django_assert_max_num_queries(6):
        page = client.get(reverse("portal:mine")).content.decode()
    assert mine.reference in page and theirs.reference not in page
    # A case of the list opens its status page without the status code ...
    opened = client.get(reverse("portal:mine_case", args=[mine.reference]))
    assert opened["Location"] == reverse("portal:status")
    assert mine.reference in client.get(reverse("portal:status")).content.decode()
    # ... another number's case is not found, even by its real reference.
    assert client.get(reverse("portal:mine_case", args=[theirs.reference])).status_code == 404


def test_the_code_field_is_visible_digits_for_the_phone_keyboard(client, two_residents):
    client.post(reverse("portal:mine_phone"), {"phone": PHONE})
    page = client.get(reverse("portal:mine_code")).content.decode()
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert 'type="password"' not in page and "138****5678" in page


def test_a_code_is_used_once(client, two_residents, django_capture_on_commit_callbacks):
    code = _ask_code(client, capture=django_capture_on_commit_callbacks)
    assert client.post(reverse("portal:mine_code"), {"code": code}).status_code == 302
    other = Client(headers={"accept-language": "en"})
    other.post(reverse("portal:mine_phone"), {"phone": "13900009999"})  # any number: step two
    session = other.session
    session["linli-portal-phone-pending"] = {
        "sealed": crypto.encrypt(PHONE),
        "masked": "138****5678",
        "at": time.time(),
    }
    session.save()
    page = other.post(reverse("portal:mine_code"), {"code": code}).content.decode()
    assert "wrong, used or expired" in page
    assert other.get(reverse("portal:mine"))["Location"] == reverse("portal:mine_phone")


def test_a_code_expires_after_five_minutes(
    client, two_residents, django_capture_on_commit_callbacks
):
    code = _ask_code(client, capture=django_capture_on_commit_callbacks)
    with time_machine.travel(dt.timedelta(minutes=5, seconds=1)):
        page = client.post(reverse("portal:mine_code"), {"code": code}).content.decode()
    assert "wrong, used or expired" in page
    assert client.get(reverse("portal:mine"))["Location"] == reverse("portal:mine_phone")


def test_wrong_tries_use_up_the_code_even_for_the_right_one_after(
    client, two_residents, django_capture_on_commit_callbacks, rates
):
    rates(sms_verify_phone="50/15m", sms_verify_address="50/15m")
    code = _ask_code(client, capture=django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        client.post(reverse("portal:mine_code"), {"code": wrong})
    assert PhoneCode.objects.get().attempts == 5
    page = client.post(reverse("portal:mine_code"), {"code": code}).content.decode()
    assert "wrong, used or expired" in page


def test_asking_for_codes_is_throttled_per_number_with_the_429_page(
    client, two_residents, rates, django_capture_on_commit_callbacks
):
    rates(sms_code_phone="2/15m")
    for _ in range(2):
        _ask_code(client, capture=django_capture_on_commit_callbacks)
    response = client.post(reverse("portal:mine_phone"), {"phone": PHONE})
    assert response.status_code == 429 and "Retry-After" in response
    assert "Too many text-message codes" in response.content.decode()
    assert len([m for m in sms.outbox if m["to"] == PHONE]) == 2


def test_wrong_codes_are_throttled_per_address(
    client, two_residents, rates, django_capture_on_commit_callbacks
):
    rates(sms_verify_address="3/15m")
    code = _ask_code(client, capture=django_capture_on_commit_callbacks)
    for _ in range(3):
        client.post(reverse("portal:mine_code"), {"code": "000000" if code != "000000" else "1"})
    response = client.post(reverse("portal:mine_code"), {"code": code})
    assert response.status_code == 429 and "Too many wrong codes" in response.content.decode()


def test_a_respondents_number_opens_nothing(client, world, django_capture_on_commit_callbacks):
    """Only the applicant's number opens 我的诉求: a neighbour named as respondent, whose
    number staff wrote down, gets the same answer as an unknown number and no code."""
    from casework.models import PartyRole

    case = make_case("registered", place=world.building_a, organisation=world.committee_a)
    PartyFactory(case=case, name="王建国", phone="13912340000")
    PartyFactory(case=case, name="李梅", phone=PHONE, role=PartyRole.RESPONDENT)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:mine_phone"), {"phone": PHONE})
    assert response["Location"] == reverse("portal:mine_code")
    assert sms.outbox == [] and not PhoneCode.objects.exists()
    assert not phone_access.cases_for_key(phone_key(PHONE)).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_wrong_codes_cannot_pass_the_tries_a_code_has(world, settings, rates):
    """Each try is counted before the code is compared, and only while tries remain: a
    burst of guesses at once gets no more comparisons than SMS_CODE_ATTEMPTS."""
    from tests.concurrency import needs_postgres, race

    needs_postgres()
    rates(sms_verify_phone="50/15m", sms_verify_address="50/15m")  # the code's own limit
    settings.LINLI = {**settings.LINLI, "SMS_CODE_ATTEMPTS": 3}
    case = make_case("registered", place=world.building_a, organisation=world.committee_a)
    PartyFactory(case=case, name="王建国", phone=PHONE)
    code = phone_access.request_code(phone=PHONE, address="10.0.0.1")
    wrong = "000000" if code != "000000" else "111111"
    race(
        *[
            lambda n=n: phone_access.verify_code(phone=PHONE, code=wrong, address=f"10.0.1.{n}")
            for n in range(8)
        ]
    )
    assert PhoneCode.objects.get().attempts == 3
    # Its tries spent, the right code no longer opens anything.
    assert phone_access.verify_code(phone=PHONE, code=code, address="10.0.2.1") is None


def test_the_session_holds_no_clear_status_code_or_phone(
    client, world, two_residents, django_capture_on_commit_callbacks
):
    """Sessions are stored in the database: the receipt's status code and the number
    typed for 我的诉求 are sealed there (core.crypto), and the pages still show them."""
    from django.contrib.sessions.models import Session

    with django_capture_on_commit_callbacks(execute=True):
        _reference, code, _page = _receipt(
            client, client.post(reverse("portal:submit"), _steps(world))
        )
    client.post(reverse("portal:mine_phone"), {"phone": PHONE})
    stored = Session.objects.get(session_key=client.session.session_key).get_decoded()
    assert code not in str(stored) and PHONE not in str(stored)
    assert code in client.get(reverse("portal:receipt")).content.decode()
    assert "138****5678" in client.get(reverse("portal:mine_code")).content.decode()


def test_an_unknown_number_gets_the_same_answer_and_no_text(
    client, two_residents, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:mine_phone"), {"phone": "13700000000"})
    assert response["Location"] == reverse("portal:mine_code")
    assert sms.outbox == [] and not PhoneCode.objects.exists()


def test_cases_are_found_only_through_the_phone_key(two_residents, monkeypatch):
    """#27 made the key a keyed hash (HMAC-SM3): the digits themselves find nothing."""
    mine, _theirs = two_residents
    assert list(phone_access.cases_for_key(phone_key("13812345678"))) == [mine]
    assert list(phone_access.cases_for_key("13812345678")) == []
    assert list(phone_access.cases_for_key("")) == []


# ----------------------------------------------------------- development outbox


def test_the_dev_outbox_shows_texts_only_in_development(client, settings, tmp_path):
    assert client.get(reverse("portal:sms_outbox")).status_code == 404  # tests: memory
    settings.LINLI = {
        **settings.LINLI,
        "SMS_BACKEND": "core.sms.FileBackend",
        "SMS_FILE_DIR": str(tmp_path),
    }
    sms.backend().send(PHONE, "验证码 123456")
    assert "验证码 123456" in client.get(reverse("portal:sms_outbox")).content.decode()
    settings.LINLI_ENV = "production"
    assert client.get(reverse("portal:sms_outbox")).status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_code_sent_twice_at_once_opens_one_session_only(world, settings):
    """Two phones (or a double tap on two connections) send the same code at once: the
    code is single use, so exactly one gets the number's cases."""
    from tests.concurrency import needs_postgres, race

    needs_postgres()
    case = make_case("registered", place=world.building_a, organisation=world.committee_a)
    PartyFactory(case=case, name="王建国", phone=PHONE)
    code = phone_access.request_code(phone=PHONE, address="10.0.0.1")
    outcomes = race(
        lambda: phone_access.verify_code(phone=PHONE, code=code, address="10.0.0.2"),
        lambda: phone_access.verify_code(phone=PHONE, code=code, address="10.0.0.3"),
    )
    # The winner gets the number's look-up key (HMAC-SM3, #27), the other nothing.
    assert sorted(str(o.value) for o in outcomes) == sorted([phone_key(PHONE), "None"])


def test_the_resident_pages_cost_few_queries(
    client, world, two_residents, django_assert_max_num_queries
):
    """Sessions are cached (no query); each page costs a fixed few, whatever the data."""
    for name in ("portal:mine_phone", "portal:receipt", "portal:home"):
        with django_assert_max_num_queries(3, info=name):
            assert client.get(reverse(name)).status_code == 200
    client.post(reverse("portal:mine_phone"), {"phone": PHONE})
    with django_assert_max_num_queries(3):
        assert client.get(reverse("portal:mine_code")).status_code == 200
