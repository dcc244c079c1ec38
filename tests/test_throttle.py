"""The one limiter (core.throttle): every throttled door answers 429 with Retry-After and
says when to try again; a stranger cannot lock an officer out; reset mails are capped."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from casework.api_auth import issue_token
from casework.models import Case, Status
from core import throttle
from core.rates import parse_rate
from tests.casework.test_portal import _submit_data
from tests.factories import make_case

PASSWORD = "correct horse battery staple"
OFFICE = "10.0.0.7"
OUTSIDE = "203.0.113.9"


def _login(client, username, password, address):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _retry_after(response, most: int) -> int:
    seconds = int(response["Retry-After"])
    assert 0 < seconds <= most
    return seconds


# ------------------------------------------------------------------------- rates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/15m", (5, 900)),
        ("600/minute", (600, 60)),
        ("3/h", (3, 3600)),
        ("3/hour", (3, 3600)),
        ("10/2d", (10, 172800)),
        ("1/s", (1, 1)),
    ],
)
def test_rates_are_read_as_count_per_window(text, expected):
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["", "5", "five/m", "5/15x", "0/m", "5/0m", "-1/m"])
def test_a_malformed_rate_is_refused(text):
    with pytest.raises(ValueError):
        parse_rate(text)


def test_retry_after_is_the_end_of_the_window(rates, db):
    rates(lookup_reference="2/15m")
    throttle.hit("lookup_reference", "2026-000001")
    used = throttle.hit("lookup_reference", "2026-000001")
    assert used.count == used.limit == 2
    with pytest.raises(throttle.Throttled) as refused:
        throttle.check("lookup_reference", "2026-000001")
    # Fixed windows: the same window end for every refusal until it passes.
    assert refused.value.retry_after == max(1, used.retry_after)
    assert 0 < refused.value.retry_after <= 900
    throttle.check("lookup_reference", "2026-000002")  # another key is untouched


# ------------------------------------------------------------------------ sign-in


def test_the_officer_signs_in_at_the_office_while_a_stranger_is_locked_out(client, mediator, rates):
    rates(login_pair="5/15m", login_address="20/15m")
    for _ in range(5):
        _login(client, "mediator", "guess", OUTSIDE)
    stranger = _login(client, "mediator", PASSWORD, OUTSIDE)
    assert stranger.status_code == 429
    _retry_after(stranger, 900)
    officer = _login(client, "mediator", PASSWORD, OFFICE)
    assert officer.status_code == 302
    assert int(client.session["_auth_user_id"]) == mediator.pk


def test_the_account_is_slowed_for_strangers_but_not_at_a_known_address(client, mediator, rates):
    rates(login_pair="3/15m", login_address="20/15m", login_account="8/h")
    assert _login(client, "mediator", PASSWORD, OFFICE).status_code == 302  # known now
    client.logout()
    for i in range(3):  # three outside addresses, three guesses each: 9 > 8
        for _ in range(3):
            _login(client, "mediator", "guess", f"198.51.100.{i}")
    newcomer = _login(client, "mediator", PASSWORD, "198.51.100.99")
    assert newcomer.status_code == 429
    _retry_after(newcomer, 3600)
    assert "Too many failed sign-in attempts" in newcomer.content.decode()
    assert _login(client, "mediator", PASSWORD, OFFICE).status_code == 302


def test_the_admin_sign_in_is_behind_the_same_limiter(client, db, rates):
    from tests.factories import UserFactory

    UserFactory(username="root", is_staff=True, is_superuser=True)
    rates(login_pair="2/15m")
    url = reverse("admin:login")
    for _ in range(2):
        client.post(url, {"username": "root", "password": "x"}, REMOTE_ADDR=OUTSIDE)
    response = client.post(url, {"username": "root", "password": PASSWORD}, REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 429
    _retry_after(response, 900)


def test_the_429_page_speaks_the_users_language(client, mediator, rates):
    rates(login_pair="1/15m")
    client.cookies["django_language"] = "zh-hans"
    _login(client, "mediator", "guess", OUTSIDE)
    page = _login(client, "mediator", PASSWORD, OUTSIDE)
    assert page.status_code == 429
    text = page.content.decode()
    assert 'lang="zh-hans"' in text
    # Near midnight (CST) the retry time falls on the next day and carries its date.
    retry_at = r"(\d{4}-\d\d-\d\d )?\d\d:\d\d"
    assert re.search(rf"登录失败次数过多。请在 {retry_at} 之后再试（约 \d+ 分钟后）", text)
    assert "Too many" not in text


# -------------------------------------------------------------------- password reset


@pytest.fixture
def reset(client, django_capture_on_commit_callbacks):
    """POST the reset form; its mail (queued in the job outbox) is sent after the commit."""

    def post(data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("password_reset"), data, **extra)

    return post


def test_reset_mails_are_capped_per_email_address_alike_for_unknown_ones(reset, mediator, rates):
    rates(password_reset_email="2/h", password_reset_address="100/h")
    answers = [reset({"email": mediator.email}).status_code for _ in range(3)]
    assert answers == [302, 302, 429]
    assert len(mail.outbox) == 2
    unknown = [reset({"email": "nobody@example.org"}).status_code for _ in range(3)]
    assert unknown == answers  # no difference to tell whether the address has an account
    refused = reset({"email": mediator.email})
    _retry_after(refused, 3600)
    assert "Too many password-reset requests" in refused.content.decode()
    assert len(mail.outbox) == 2


def test_reset_requests_are_capped_per_client_address(reset, mediator, rates):
    rates(password_reset_email="100/h", password_reset_address="3/h")
    for i in range(3):
        assert reset({"email": f"x{i}@example.org"}).status_code == 302
    refused = reset({"email": mediator.email})
    assert refused.status_code == 429
    _retry_after(refused, 3600)
    assert mail.outbox == []
    other = reset({"email": mediator.email}, REMOTE_ADDR="10.1.1.1")
    assert other.status_code == 302 and len(mail.outbox) == 1


# ------------------------------------------------------------------ resident portal


def test_the_resident_look_up_answers_429_with_retry_after(client, world, rates):
    rates(lookup_address="2/15m")
    url = reverse("portal:lookup")
    for _ in range(2):
        assert client.post(url, {"reference": "2026-000404", "code": "X"}).status_code == 200
    response = client.post(url, {"reference": "2026-000405", "code": "X"})
    assert response.status_code == 429
    _retry_after(response, 900)
    assert "Please try again after" in response.content.decode()


def test_resident_submission_answers_429_with_retry_after(client, world, rates):
    rates(submission_address="1/h")
    assert client.post(reverse("portal:submit"), _submit_data(world)).status_code == 302
    response = client.post(reverse("portal:submit"), _submit_data(world))
    assert response.status_code == 429
    _retry_after(response, 3600)
    assert Case.objects.count() == 1


# ------------------------------------------------------------------------ Open311


def test_open311_post_answers_429_with_retry_after_in_its_error_format(client, world, rates):
    rates(submission_address="1/h")
    key = issue_token(organisation=world.committee_a, name="open311")[1]
    data = {
        "api_key": key,
        "service_code": "pets",
        "address_id": str(world.building_a.pk),
        "description": "狗叫",
    }
    assert client.post("/open311/v2/requests.xml", data).status_code == 201
    response = client.post("/open311/v2/requests.xml", data)
    assert response.status_code == 429
    _retry_after(response, 3600)
    assert b"<errors><error><code>429</code>" in response.content


def test_open311_reads_answer_429_with_retry_after(client, world, rates):
    rates(open311_read_address="2/m")
    for _ in range(2):
        assert client.get("/open311/v2/requests.json").status_code == 200
    response = client.get("/open311/v2/requests.json")
    assert response.status_code == 429
    _retry_after(response, 60)
    assert response.json()[0]["code"] == 429


# ------------------------------------------------------------------------- the API


def _api(organisation):
    _token, key = issue_token(organisation=organisation, name="system")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_api_is_limited_per_token(world, rates):
    rates(api_token="2/m")
    police = _api(world.police)
    assert [police.get("/api/v1/referrals/").status_code for _ in range(2)] == [200, 200]
    response = police.get("/api/v1/referrals/")
    assert response.status_code == 429
    _retry_after(response, 60)
    assert "throttled" in response.json()["detail"]
    # Another organisation's token has its own window.
    assert _api(world.committee_a).get("/api/v1/cases/").status_code == 200


def test_failed_api_authentications_lock_the_address(world, rates):
    rates(api_auth_failure="2/15m")
    police = _api(world.police)
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Token ll_AAAAAAAA_not-the-secret")
    assert [forged.get("/api/v1/referrals/").status_code for _ in range(2)] == [401, 401]
    response = police.get("/api/v1/referrals/")  # even a good token, from there
    assert response.status_code == 429
    _retry_after(response, 900)
    elsewhere = police.get("/api/v1/referrals/", REMOTE_ADDR="10.2.2.2")
    assert elsewhere.status_code == 200


def test_requests_without_a_token_are_limited_per_address(admin_client, rates):
    """The schema is the API's one door without a token (staff signed in on the pages; the
    other operations answer 401 before counting)."""
    rates(api_anonymous="1/m")
    assert admin_client.get("/api/v1/schema/").status_code == 200
    response = admin_client.get("/api/v1/schema/")
    assert response.status_code == 429
    _retry_after(response, 60)


def test_a_throttled_case_page_is_not_a_door(client, mediator, world):
    """Signed-in staff pages are not throttled: only the listed doors are."""
    case = make_case(Status.REGISTERED, place=world.building_a, organisation=world.committee_a)
    client.force_login(mediator)
    assert all(
        client.get(reverse("casework:case_detail", args=[case.pk])).status_code == 200
        for _ in range(3)
    )
