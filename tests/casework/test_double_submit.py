"""Double submits make one thing: the staff intake form, the residents' form and the API's
case creation each register one case when the same submission arrives twice — one after
the other, or at the same moment (PostgreSQL, two threads that really overlap) — and the
second submitter lands on the first result."""

import re
import threading
import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from casework import services, status_codes
from casework.models import Case
from core import idempotency
from core.models import SubmissionKey
from tests.casework.test_api import client_for
from tests.casework.test_portal import _submit_data
from tests.casework.test_workspace import _intake_post
from tests.concurrency import needs_postgres, race

CODE = re.compile(r'class="big code">\s*([A-Z0-9]+)\s*<')
REFERENCE = re.compile(r'class="big">\s*(\d{4}-\d+)\s*<')


def _receipt_page(client, response) -> str:
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"]).content.decode()


# ------------------------------------------------------------------ staff intake


def test_the_same_intake_form_sent_twice_registers_one_case_and_shows_its_receipt(
    client, world, mediator
):
    client.force_login(mediator)
    form = _intake_post(world)
    first = client.post(reverse("casework:case_new"), form)
    second = client.post(reverse("casework:case_new"), form)  # the double tap
    case = Case.objects.get()
    receipt = reverse("casework:case_receipt", args=[case.pk])
    assert first["Location"] == second["Location"] == receipt
    # The browser shows the second answer: the same receipt, the status code included.
    page = client.get(receipt).content.decode()
    code = CODE.search(page).group(1)
    assert status_codes.status_code_matches(case, code)
    assert case.reference in page and "it registered one case" in page
    assert case.events.count() == 1 and case.parties.count() == 2
    assert SubmissionKey.objects.get().scope == f"intake:{mediator.pk}"


def test_a_late_second_send_of_the_intake_form_shows_the_reference_without_the_code(
    client, world, mediator
):
    client.force_login(mediator)
    form = _intake_post(world)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.get(_receipt_page_location(client, form))  # first send; its code was shown
        traveller.shift(11 * 60)  # past LINLI_RECEIPT_REPLAY_MINUTES (10)
        again = client.post(reverse("casework:case_new"), form)
        page = client.get(again["Location"]).content.decode()
    case = Case.objects.get()
    assert case.reference in page and not CODE.search(page)
    assert "shown once when the case was registered" in page


def _receipt_page_location(client, form) -> str:
    response = client.post(reverse("casework:case_new"), form)
    assert response.status_code == 302
    return response["Location"]


def test_an_intake_form_edited_after_sending_registers_nothing_and_keeps_the_text(
    client, world, mediator
):
    client.force_login(mediator)
    form = _intake_post(world)
    client.post(reverse("casework:case_new"), form)
    first = Case.objects.get()
    edited = {**form, "description": "另一户：楼上漏水。", "party-0-name": "李梅"}
    page = client.post(reverse("casework:case_new"), edited).content.decode()
    assert Case.objects.count() == 1
    assert f"already sent and registered case {first.reference}" in page
    assert "另一户：楼上漏水。" in page and "李梅" in page  # nothing typed is lost
    fresh = re.search(r'name="submission_token" value="([^"]+)"', page).group(1)
    assert fresh != form["submission_token"] and idempotency.is_form_token(fresh)
    # Sent again from that page (its fresh token), it is a new case.
    response = client.post(reverse("casework:case_new"), {**edited, "submission_token": fresh})
    assert response.status_code == 302 and Case.objects.count() == 2


@pytest.mark.parametrize("token", [None, "", "short", "x" * 40 + "<script>"])
def test_an_intake_form_without_a_good_token_is_refused_plainly_and_can_be_sent_again(
    client, world, mediator, token
):
    client.force_login(mediator)
    form = _intake_post(world)
    if token is None:
        del form["submission_token"]
    else:
        form["submission_token"] = token
    page = client.post(reverse("casework:case_new"), form).content.decode()
    assert "could not be sent as it was" in page and "王建国" in page
    assert not Case.objects.exists()
    fresh = re.search(r'name="submission_token" value="([^"]+)"', page).group(1)
    response = client.post(reverse("casework:case_new"), {**form, "submission_token": fresh})
    assert response.status_code == 302 and Case.objects.count() == 1


def test_one_mediators_token_never_lands_on_anothers_case(client, world, mediator, colleague):
    form = _intake_post(world)
    client.force_login(mediator)
    client.post(reverse("casework:case_new"), form)
    client.force_login(colleague)
    response = client.post(reverse("casework:case_new"), form)
    assert Case.objects.count() == 2  # tokens are per user: the colleague made their own
    mine = Case.objects.get(registered_by=colleague)
    assert response["Location"] == reverse("casework:case_receipt", args=[mine.pk])


def test_a_refused_registration_does_not_use_up_the_token(client, world, mediator, settings):
    client.force_login(mediator)
    form = _intake_post(world, **{"party-0-role": "respondent"})  # no applicant: refused
    client.post(reverse("casework:case_new"), form)
    assert not Case.objects.exists() and not SubmissionKey.objects.exists()
    mended = {**form, "party-0-role": "applicant"}
    assert client.post(reverse("casework:case_new"), mended).status_code == 302
    assert Case.objects.count() == 1


def test_every_empty_intake_form_gets_its_own_token(client, world, mediator):
    client.force_login(mediator)
    tokens = {
        re.search(
            r'name="submission_token" value="([^"]+)"',
            client.get(reverse("casework:case_new")).content.decode(),
        ).group(1)
        for _ in range(3)
    }
    assert len(tokens) == 3 and all(idempotency.is_form_token(t) for t in tokens)


# --------------------------------------------------------------- residents' form


def test_the_residents_form_sent_twice_registers_one_case_and_shows_the_code_again(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    form = _submit_data(world, email="wang@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("portal:submit"), form)
        second = client.post(reverse("portal:submit"), form)
    assert first["Location"] == second["Location"] == reverse("portal:receipt")
    page = client.get(reverse("portal:receipt")).content.decode()
    case = Case.objects.get()
    assert REFERENCE.search(page).group(1) == case.reference
    assert status_codes.status_code_matches(case, CODE.search(page).group(1))
    assert "it was received once" in page
    assert len(mailoutbox) == 1  # one receipt mail, for the one case


def test_a_second_send_does_not_count_against_the_hourly_limit(client, world, settings):
    throttles = {**settings.LINLI["THROTTLES"], "submission_address": "1/h"}
    settings.LINLI = {**settings.LINLI, "THROTTLES": throttles}
    form = _submit_data(world)
    for _ in range(3):
        assert client.post(reverse("portal:submit"), form)["Location"] == reverse("portal:receipt")
    assert Case.objects.count() == 1


def test_a_residents_late_second_send_shows_the_reference_and_where_the_code_went(client, world):
    form = _submit_data(world, email="wang@example.org")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.post(reverse("portal:submit"), form)
        client.get(reverse("portal:receipt"))  # the first receipt, code shown once
        traveller.shift(30 * 60)
        page = _receipt_page(client, client.post(reverse("portal:submit"), form))
    case = Case.objects.get()
    assert REFERENCE.search(page).group(1) == case.reference and not CODE.search(page)
    assert "e-mailed if you gave an address" in page


def test_a_residents_form_edited_after_sending_sends_nothing_new(client, world):
    form = _submit_data(world)
    client.post(reverse("portal:submit"), form)
    reference = Case.objects.get().reference
    page = client.post(
        reverse("portal:submit"), {**form, "description": "还有：楼道堆物。"}
    ).content.decode()
    assert Case.objects.count() == 1
    assert f"already sent; its reference is {reference}" in page
    assert "还有：楼道堆物。" in page


def test_the_residents_form_page_carries_a_token_and_the_receipt_page_none(client, db):
    page = client.get(reverse("portal:submit")).content.decode()
    assert re.search(r'<input type="hidden" name="submission_token" value="[\w-]{43}"', page)


def test_the_status_code_is_derived_from_the_token_and_never_stored(client, world):
    form = _submit_data(world)
    client.post(reverse("portal:submit"), form)
    code = CODE.search(client.get(reverse("portal:receipt")).content.decode()).group(1)
    row = SubmissionKey.objects.get()
    assert code not in str(row.result) and form["submission_token"] not in row.key_hash
    assert set(row.result) == {"case", "reference"}
    with pytest.MonkeyPatch.context() as patch:  # another server secret: another code
        patch.setattr("django.conf.settings.SECRET_KEY", "another-" + "k" * 50)
        other = idempotency.derived_secret(
            scope="portal", key=form["submission_token"], purpose="status-code"
        )
    assert status_codes.status_code_from_seed(other) != code


# --------------------------------------------------------------------------- API


ORDER = {
    "category": "construction_noise",
    "description": "12345工单：夜间施工扰民。",
    "applicant_name": "王秀英",
    "applicant_phone": "13912345678",
}


def _order(world, **extra):
    return {**ORDER, "place": world.building_a.pk, **extra}


def test_an_api_create_sent_twice_with_one_key_replays_the_first_answer(world):
    street, _t, _k = client_for(world.committee_a)
    key = {"HTTP_IDEMPOTENCY_KEY": "0b8c7a36-0f5e-4c55-9d0e-5c1f3ad3a001"}
    first = street.post("/api/v1/cases/", _order(world), format="json", **key)
    second = street.post("/api/v1/cases/", _order(world), format="json", **key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json() and second.content == first.content
    assert "Idempotent-Replayed" not in first and second["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_an_api_key_reused_with_another_body_is_422_and_makes_nothing(world):
    street, _t, _k = client_for(world.committee_a)
    key = {"HTTP_IDEMPOTENCY_KEY": "order-77-attempt-1"}
    street.post("/api/v1/cases/", _order(world), format="json", **key)
    other = street.post(
        "/api/v1/cases/", _order(world, description="另一件事"), format="json", **key
    )
    assert other.status_code == 422 and "different request body" in other.json()["detail"]
    assert Case.objects.count() == 1


def test_api_keys_belong_to_their_token(world):
    one, _t, _k = client_for(world.committee_a, name="12345 connector")
    two, _t2, _k2 = client_for(world.committee_a, name="grid app")
    key = {"HTTP_IDEMPOTENCY_KEY": "same-key"}
    first = one.post("/api/v1/cases/", _order(world), format="json", **key)
    second = two.post("/api/v1/cases/", _order(world), format="json", **key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["reference"] != second.json()["reference"]


def test_a_failed_api_request_keeps_nothing_under_its_key(world):
    street, _t, _k = client_for(world.committee_a)
    key = {"HTTP_IDEMPOTENCY_KEY": "retry-me"}
    bad = street.post("/api/v1/cases/", _order(world, description=""), format="json", **key)
    assert bad.status_code == 400 and not SubmissionKey.objects.exists()
    good = street.post("/api/v1/cases/", _order(world), format="json", **key)
    assert good.status_code == 201 and Case.objects.count() == 1


@pytest.mark.parametrize("key", ["", " padded", "x" * 256, "schlüssel"])
def test_a_malformed_api_key_is_400(world, key):
    street, _t, _k = client_for(world.committee_a)
    response = street.post(
        "/api/v1/cases/",
        _order(world),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1"),
    )
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not Case.objects.exists()


def test_api_keys_are_kept_for_the_configured_hours(world, settings):
    settings.LINLI = {**settings.LINLI, "IDEMPOTENCY_HOURS": 2}
    street, _t, _k = client_for(world.committee_a)
    key = {"HTTP_IDEMPOTENCY_KEY": "kept-two-hours"}
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        street.post("/api/v1/cases/", _order(world), format="json", **key)
        traveller.shift(119 * 60)
        assert street.post("/api/v1/cases/", _order(world), format="json", **key)[
            "Idempotent-Replayed"
        ]
        traveller.shift(2 * 60)
        again = street.post("/api/v1/cases/", _order(world), format="json", **key)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Case.objects.count() == 2 and SubmissionKey.objects.count() == 1  # old one pruned


def test_the_hotline_dedupe_still_answers_200_under_a_key(world):
    street, _t, _k = client_for(world.committee_a)
    order = _order(world, external_ref="SH12345-2026-000999")
    street.post("/api/v1/cases/", order, format="json")
    replay = street.post("/api/v1/cases/", order, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay.status_code == 200 and Case.objects.count() == 1


def test_the_schema_documents_the_idempotency_key(admin_client):
    import yaml

    schema = yaml.safe_load(admin_client.get("/api/v1/schema/").content)
    create = schema["paths"]["/api/v1/cases/"]["post"]
    (parameter,) = [p for p in create["parameters"] if p["name"] == "Idempotency-Key"]
    assert parameter["in"] == "header" and not parameter.get("required", False)
    assert parameter["schema"]["maxLength"] == 255
    assert "422" in create["responses"]


# --------------------------------------------------- at the same moment (PostgreSQL)


def _overlapping(monkeypatch, n_first_steps: int = 2):
    """Make two requests really overlap: both pass the barrier right before they claim
    the key, and whichever claims it first holds its transaction open for a moment while
    registering, so the other's claim has to wait for it. Returns the log of claim
    timings."""
    barrier = threading.Barrier(n_first_steps)
    real_prune = idempotency.prune
    real_register = services.case_register
    log = []

    def prune_then_meet(*args, **kwargs):
        barrier.wait(timeout=20)
        log.append(("claim", time.monotonic()))
        return real_prune(*args, **kwargs)

    def slow_register(**kwargs):
        registration = real_register(**kwargs)
        time.sleep(0.6)  # still inside the claim's transaction: the other claim waits
        log.append(("registered", time.monotonic()))
        return registration

    monkeypatch.setattr(idempotency, "prune", prune_then_meet)
    monkeypatch.setattr(services, "case_register", slow_register)
    return log


def _in_threads(*calls):
    """The calls at once (``race``): their responses, and when each one finished."""
    outcomes = race(*calls)
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    return [o.value for o in outcomes], [o.finished for o in outcomes]


def _assert_they_overlapped(log, finished):
    claims = [t for kind, t in log if kind == "claim"]
    (registered,) = [t for kind, t in log if kind == "registered"]
    assert len(claims) == 2 and max(claims) < registered  # both claimed before the commit
    assert min(finished) >= registered and max(finished) >= registered  # the second waited


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_identical_intake_posts_at_once_register_one_case(world, mediator, monkeypatch):
    needs_postgres()
    browser = Client()
    browser.force_login(mediator)
    twin = Client()  # the same browser session, a second connection (the double click)
    twin.cookies = browser.cookies
    form = _intake_post(world)
    log = _overlapping(monkeypatch)
    (first, second), finished = _in_threads(
        lambda: browser.post(reverse("casework:case_new"), form),
        lambda: twin.post(reverse("casework:case_new"), form),
    )
    _assert_they_overlapped(log, finished)
    case = Case.objects.get()
    receipt = reverse("casework:case_receipt", args=[case.pk])
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == receipt
    page = twin.get(receipt).content.decode()
    assert status_codes.status_code_matches(case, CODE.search(page).group(1))
    assert case.events.count() == 1 and SubmissionKey.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_identical_resident_posts_at_once_register_one_case(world, monkeypatch):
    needs_postgres()
    phone, retry = Client(), Client()
    form = _submit_data(world)
    log = _overlapping(monkeypatch)
    (first, second), finished = _in_threads(
        lambda: phone.post(reverse("portal:submit"), form),
        lambda: retry.post(reverse("portal:submit"), form),
    )
    _assert_they_overlapped(log, finished)
    case = Case.objects.get()
    pages = [_receipt_page(c, r) for c, r in ((phone, first), (retry, second))]
    codes = {CODE.search(p).group(1) for p in pages}
    assert {REFERENCE.search(p).group(1) for p in pages} == {case.reference}
    (code,) = codes  # both see the same code, and it is the case's
    assert status_codes.status_code_matches(case, code)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_api_creates_with_one_key_at_once_make_one_case(world, monkeypatch):
    needs_postgres()
    _c, _t, key = client_for(world.committee_a)
    clients = [APIClient(), APIClient()]
    for c in clients:
        c.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_IDEMPOTENCY_KEY="once-only")
    log = _overlapping(monkeypatch)
    (first, second), finished = _in_threads(
        *[lambda c=c: c.post("/api/v1/cases/", _order(world), format="json") for c in clients]
    )
    _assert_they_overlapped(log, finished)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert sorted(r.get("Idempotent-Replayed", "-") for r in (first, second)) == ["-", "true"]
    assert Case.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_key_with_two_bodies_at_once_makes_one_case_and_one_422(world, monkeypatch):
    needs_postgres()
    _c, _t, key = client_for(world.committee_a)
    clients = [APIClient(), APIClient()]
    for c in clients:
        c.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_IDEMPOTENCY_KEY="one-key")
    bodies = [_order(world), _order(world, description="另一件事")]
    log = _overlapping(monkeypatch)
    results, finished = _in_threads(
        *[
            lambda c=c, b=b: c.post("/api/v1/cases/", b, format="json")
            for c, b in zip(clients, bodies, strict=True)
        ]
    )
    _assert_they_overlapped(log, finished)
    assert sorted(r.status_code for r in results) == [201, 422]
    assert Case.objects.count() == 1


def test_the_prune_command_removes_only_expired_keys(world, settings):
    from io import StringIO

    from django.core.management import call_command

    street, _t, _k = client_for(world.committee_a)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        street.post("/api/v1/cases/", _order(world), format="json", HTTP_IDEMPOTENCY_KEY="old")
        traveller.shift(25 * 3600)
        street.post("/api/v1/cases/", _order(world), format="json", HTTP_IDEMPOTENCY_KEY="new")
        out = StringIO()
        call_command("prune_submission_keys", stdout=out)
    assert out.getvalue().startswith("0 expired")  # the second create pruned the old key
    assert SubmissionKey.objects.count() == 1
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=50)):
        call_command("prune_submission_keys", stdout=out)
    assert not SubmissionKey.objects.exists()
