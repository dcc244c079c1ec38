"""The resident's side, without an account."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from PIL import Image

from casework import services, status_codes
from casework.models import Case, CaseEvent, Rating, SmsMessage, Status
from core import sms
from core.idempotency import new_token
from tests.factories import PartyFactory, category, make_case


def _submit_data(world, **overrides):
    data = {
        "category": category("construction_noise").pk,
        "place": world.building_a.pk,
        "address": "3号楼2单元",
        "description": "工地每天晚上打桩到十一点。",
        "requests": "请晚上十点后停工。",
        "name": "王建国",
        "phone": "13812345678",
        "email": "",
        "consent": "on",
        "leave_empty": "",
        "submission_token": new_token(),  # each call is a fresh form from the page
    }
    data.update(overrides)
    return data


def _receipt(client, response):
    assert response.status_code == 302 and response["Location"] == reverse("portal:receipt")
    page = client.get(response["Location"]).content.decode()
    reference = re.search(r'class="big">\s*(\d{4}-\d+)\s*<', page).group(1)
    code = re.search(r'class="big code">\s*([A-Z0-9]+)\s*<', page).group(1)
    return reference, code, page


def _lookup(client, reference, code, **extra):
    return client.post(reverse("portal:lookup"), {"reference": reference, "code": code}, **extra)


def _body(response) -> str:
    """The page without its per-request CSRF token, for comparing two answers."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


# ---------------------------------------------------------------------- submit


def test_a_resident_submits_and_keeps_a_receipt(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:submit"), _submit_data(world, email="wang@example.org")
        )
    reference, code, _page = _receipt(client, response)
    case = Case.objects.get(reference=reference)
    assert (case.status, case.channel, case.organisation) == (
        "registered",
        "online",
        world.committee_a,
    )
    assert case.parties.get().name == "王建国"
    assert status_codes.status_code_matches(case, code) and len(code) >= 10
    # A reload keeps the receipt in this browser session (never in the URL) ...
    again = client.get(reverse("portal:receipt")).content.decode()
    assert code in again and reference in again
    # ... and no other browser reads it.
    other = Client(headers={"accept-language": "en"})
    assert code not in other.get(reverse("portal:receipt")).content.decode()
    assert len(mailoutbox) == 1 and code in mailoutbox[0].body and reference in mailoutbox[0].body
    # The mobile number got it by text message too; the stored text forgot the code once sent.
    [texted] = [m for m in sms.outbox if m["to"] == "13812345678" and reference in m["body"]]
    assert reference in texted["body"] and code in texted["body"]
    assert code not in SmsMessage.objects.get(case=case).body


def test_the_receipt_is_forgotten_after_its_time(client, world, settings):
    settings.LINLI = {**settings.LINLI, "RECEIPT_KEEP_SECONDS": 60}
    response = client.post(reverse("portal:submit"), _submit_data(world))
    _reference, code, _page = _receipt(client, response)
    with time_machine.travel(dt.timedelta(seconds=61)):
        assert code not in client.get(reverse("portal:receipt")).content.decode()


@pytest.mark.parametrize(
    "overrides",
    [
        {
            "category": "",
            "place": "",
            "address": "",
            "description": "",
            "name": "",
            "phone": "",
            "consent": "",
        },
        {"description": "长" * 100_001},
        {"phone": "<script>"},
        {"category": "999999", "place": "-1"},
    ],
)
def test_bad_submissions_get_form_errors_not_500s(client, world, overrides):
    response = client.post(reverse("portal:submit"), _submit_data(world, **overrides))
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not Case.objects.exists()


def test_hostile_text_is_stored_and_escaped(client, world):
    hostile = "<script>alert('x')</script> 😀 مرحبا بالعالم ‮RTL"
    reference, code, _ = _receipt(
        client, client.post(reverse("portal:submit"), _submit_data(world, description=hostile))
    )
    assert Case.objects.get(reference=reference).description == hostile
    _lookup(client, reference, code)
    page = client.get(reverse("portal:status")).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "😀" in page


def test_the_honeypot_stops_bots_with_a_clear_message(client, world):
    response = client.post(
        reverse("portal:submit"), _submit_data(world, leave_empty="http://spam.example")
    )
    assert "Please leave the last field empty." in response.content.decode()
    assert "王建国" in response.content.decode()  # nothing typed is lost
    assert not Case.objects.exists()


def test_submissions_are_limited_per_address_with_a_plain_message(client, world, rates):
    rates(submission_address="2/h")
    for _ in range(2):
        client.post(reverse("portal:submit"), _submit_data(world))
    response = client.post(reverse("portal:submit"), _submit_data(world))
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 3600
    page = response.content.decode()
    assert "several submissions from your network" in page and "Please try again after" in page
    assert "王建国" in page  # nothing typed is lost
    assert Case.objects.count() == 2


def test_an_address_only_submission_lands_on_the_street(client, world):
    reference, _, _ = _receipt(
        client, client.post(reverse("portal:submit"), _submit_data(world, place=""))
    )
    case = Case.objects.get(reference=reference)
    assert case.place == world.street and case.organisation == world.street_office


# ---------------------------------------------------------------------- lookup


@pytest.fixture
def submitted(client, world):
    reference, code, _ = _receipt(
        client, client.post(reverse("portal:submit"), _submit_data(world))
    )
    client.session.flush()
    return Case.objects.get(reference=reference), code


def test_wrong_code_and_unknown_reference_answer_the_same(client, submitted):
    case, code = submitted
    wrong_code = _lookup(client, case.reference, "ABCDEFGHJK23")
    unknown = _lookup(client, "2026-999999", code)
    assert wrong_code.status_code == unknown.status_code == 200
    assert _body(wrong_code) == _body(unknown)
    assert "do not match a case" in _body(unknown)


def test_the_code_travels_by_post_never_in_the_url(client, submitted):
    case, code = submitted
    response = client.get(reverse("portal:lookup"), {"reference": case.reference, "code": code})
    assert response.status_code == 200
    assert client.get(reverse("portal:status")).status_code == 302  # not verified by GET
    response = _lookup(client, case.reference, code)
    assert response["Location"] == reverse("portal:status") and code not in response["Location"]


def test_after_the_limit_even_the_right_code_is_refused(client, submitted, rates):
    rates(lookup_reference="3/15m")
    case, code = submitted
    for _ in range(3):
        _lookup(client, case.reference, "WRONGWRONG22")
    response = _lookup(client, case.reference, code)
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 900
    assert "Too many unsuccessful look-ups" in response.content.decode()
    assert client.get(reverse("portal:status")).status_code == 302


def test_a_forged_forwarded_for_does_not_reset_the_address_limit(client, submitted, rates):
    rates(lookup_address="3/15m", lookup_reference="100/15m")
    case, code = submitted
    for i in range(3):
        _lookup(client, f"2026-99999{i}", "X", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    response = _lookup(client, case.reference, code, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429
    assert "Too many unsuccessful look-ups" in response.content.decode()


def test_a_trusted_proxy_passes_the_real_address(client, submitted, settings, rates):
    rates(lookup_address="3/15m", lookup_reference="100/15m")
    settings.LINLI = {**settings.LINLI, "TRUSTED_PROXIES": ["127.0.0.1"]}
    case, code = submitted
    for i in range(3):
        _lookup(client, f"2026-99999{i}", "X", HTTP_X_FORWARDED_FOR="203.0.113.7")
    # Another resident behind the same proxy is not blocked.
    response = _lookup(client, case.reference, code, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert response.status_code == 302


# ---------------------------------------------------------------- status page


def test_the_public_page_leaks_nothing_internal(client, world, mediator, submitted):
    case, code = submitted
    mediator.first_name, mediator.last_name = "STAFFNAME", "MARKER"
    mediator.save()
    PartyFactory(case=case, role="respondent", name="某公司", phone="13999999999")
    services.case_assign(case=case, officer=mediator, actor=mediator)
    case.refresh_from_db()
    services.case_add_note(case=case, actor=mediator, text="INTERNAL-MARKER-42", public=False)
    services.case_add_note(case=case, actor=mediator, text="PUBLIC-NOTE-7", public=True)
    case = services.case_transition(case=case, name="accept", actor=mediator)
    _lookup(client, case.reference, code)
    page = client.get(reverse("portal:status")).content.decode()
    assert "PUBLIC-NOTE-7" in page and "Accepted" in page
    for secret in (
        "INTERNAL-MARKER-42",
        "STAFFNAME",
        "MARKER",
        "13999999999",
        "某公司",
        "13812345678",
        "王建国",
        "Assigned to",
    ):
        assert secret not in page, secret


def test_a_full_round_submit_resolve_rate_reopen(client, world, mediator, supervisor, submitted):
    case, code = submitted
    case = services.case_transition(case=case, name="accept", actor=mediator)
    case = services.case_assign(case=case, officer=mediator, actor=supervisor)
    case = services.case_transition(case=case, name="start_work", actor=mediator)
    case = services.case_transition(
        case=case, name="resolve", actor=mediator, outcome="resolved", summary="施工时间已调整。"
    )
    _lookup(client, case.reference, code)
    page = client.get(reverse("portal:status")).content.decode()
    assert 'aria-current="step">Resolved' in page and "How did we do?" in page
    client.post(reverse("portal:rate"), {"verdict": "not_satisfied"})
    client.post(reverse("portal:reopen"), {"reason": "晚上还在打桩。"})
    rating = Rating.objects.get(case=case)
    assert rating.open_request and (rating.efficiency, rating.result) == (2, 2)
    page = client.get(reverse("portal:status")).content.decode()
    assert "How did we do?" not in page  # rated once per resolution

    from django.test import Client

    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(mediator)
    staff_page = staff.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "asks to reopen" in staff_page and "晚上还在打桩。" in staff_page
    case.refresh_from_db()
    staff.post(
        reverse("casework:case_transition", args=[case.pk, "reopen"]),
        {"version": case.version, "reason": "居民回访不满意：晚上还在打桩。"},
    )
    case.refresh_from_db()
    assert case.status == Status.REOPENED
    rating.refresh_from_db()
    assert rating.handled_at is not None
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", "to_status"))
    assert kinds == [
        ("registered", "registered"),
        ("transition", "accepted"),
        ("assignment", ""),
        ("transition", "in_progress"),
        ("transition", "resolved"),
        ("rating", ""),
        ("rating", ""),
        ("transition", "reopened"),
    ]


def test_rating_is_refused_before_resolution(client, submitted):
    case, code = submitted
    _lookup(client, case.reference, code)
    page = client.post(reverse("portal:rate"), {"verdict": "satisfied"}, follow=True)
    assert not Rating.objects.exists()
    assert "This case cannot be rated now." in page.content.decode()


def test_a_resident_adds_information_and_a_photo(client, submitted, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case, code = submitted
    _lookup(client, case.reference, code)
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "photo.jpg"
    client.post(reverse("portal:add"), {"text": "今晚又开始了", "photo": buffer})
    event = CaseEvent.objects.get(case=case, kind="resident")
    assert event.is_public and event.note == "今晚又开始了"
    assert case.attachments.get().is_public
    fake = io.BytesIO(b"not an image at all")
    fake.name = "x.jpg"
    page = client.post(
        reverse("portal:add"), {"text": "x", "photo": fake}, follow=True
    ).content.decode()
    assert "Only photos" in page and case.attachments.count() == 1


def test_nothing_can_be_added_to_a_closed_case(client, world):
    case = make_case(Status.CLOSED, place=world.building_a, organisation=world.committee_a)
    with pytest.raises(Exception, match="while the case is open"):
        from casework.portal import resident_add_information

        resident_add_information(case=case, text="hello")


def test_residents_switch_language_without_an_account(client, db):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/r/"})
    assert response.status_code == 302
    page = client.get(reverse("portal:submit")).content.decode()
    assert "个人信息" in page or "提交" in page


def test_the_status_page_query_count_does_not_grow_with_events(client, submitted):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework import portal_reads
    from tests.factories import CaseEventFactory

    case, code = submitted
    _lookup(client, case.reference, code)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("portal:status")).status_code == 200
        return len(queries)

    for _ in range(5):
        CaseEventFactory(case=case, is_public=True)
    portal_reads.status_case(case.pk)  # this process's table of category names, read once
    few = count()
    for _ in range(45):
        CaseEventFactory(case=case, is_public=True)
    assert count() == few
    page = client.get(reverse("portal:status")).content.decode()
    assert page.count("Called the site manager.") == 50  # the cache follows new events


def test_the_cached_status_page_follows_every_change(client, world, mediator, submitted):
    """The page minus its forms is cached; a public note, a stage change and a change to
    the case without a public event each show at once."""
    from casework import services

    case, code = submitted
    _lookup(client, case.reference, code)
    assert "We have received your grievance" in _body(client.get(reverse("portal:status")))
    services.case_add_note(case=case, actor=mediator, text="已安排上门了解。", public=True)
    assert "已安排上门了解。" in _body(client.get(reverse("portal:status")))
    case = services.case_transition(case=case, name="accept", actor=mediator)
    page = _body(client.get(reverse("portal:status")))
    assert "Your grievance has been accepted" in page
    assert "We have received your grievance" not in page
    Case.objects.filter(pk=case.pk).update(description="改过的描述")  # no event, no save()
    case.refresh_from_db()
    case.save()  # a save bumps updated_at: the cached page is replaced
    assert "改过的描述" in _body(client.get(reverse("portal:status")))


def test_the_status_page_costs_one_query_on_a_hit_and_two_on_a_miss(client, submitted):
    """Residents come for different cases, so most requests miss the summary cache: the
    case row and its newest public event id come in one query (the key's facts and the
    summary's data), the public events in a second; a hit needs only the first. An open
    case asks nothing about ratings (only a resolved one can be rated). Sessions come
    from the cache (cached_db) once written."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case, code = submitted
    _lookup(client, case.reference, code)
    client.get(reverse("portal:status"))  # the session now sits in the cache

    def case_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("portal:status")).status_code == 200
        return [q["sql"] for q in queries if "django_session" not in q["sql"]]

    hit = case_queries()
    assert len(hit) == 1 and "casework_case" in hit[0], hit
    cache.clear()
    miss = case_queries()
    assert len(miss) == 2 and "casework_caseevent" in miss[1], miss


def test_two_residents_share_the_rendered_page_but_not_its_contents(client, world, submitted):
    """The page around the summary is rendered once per language and mode (core.page_shell)
    and filled per request: each resident sees only their own case's reference and story,
    with a CSRF token that the form posts accept (checked by a strict client)."""
    from django.core.cache import cache

    case, code = submitted
    other_ref, other_code, _ = _receipt(
        client,
        client.post(
            reverse("portal:submit"),
            _submit_data(world, description="楼道里的自行车堵住了消防通道。", name="李梅"),
        ),
    )
    cache.clear()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for resident, (reference, secret) in (
        (first, (case.reference, code)),
        (second, (other_ref, other_code)),
    ):
        form = resident.get(reverse("portal:lookup")).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        response = resident.post(
            reverse("portal:lookup"),
            {"reference": reference, "code": secret, "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 302, response
    page_one = first.get(reverse("portal:status")).content.decode()
    page_two = second.get(reverse("portal:status")).content.decode()
    assert case.reference in page_one and other_ref not in page_one
    assert other_ref in page_two and case.reference not in page_two
    assert "工地每天晚上打桩" in page_one and "自行车" not in page_one
    assert "自行车" in page_two and "工地每天晚上打桩" not in page_two
    assert "\ue000" not in page_one + page_two  # no slot left unfilled
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page_two)
    assert tokens and len(set(tokens)) == 1
    # The filled-in token is the second resident's own: their form post is accepted.
    posted = second.post(
        reverse("portal:add"), {"text": "晚上十点后还有声音。", "csrfmiddlewaretoken": tokens[0]}
    )
    assert posted.status_code == 302
    assert CaseEvent.objects.filter(
        case__reference=other_ref, kind="resident", note__contains="十点后"
    ).exists()


def test_the_page_shell_escapes_what_it_fills_in_and_shows_pending_messages(client, submitted):
    """A slot's value is escaped like a template variable; a request with a message to show
    is rendered whole (a cached shell has no messages)."""
    case, code = submitted
    _lookup(client, case.reference, code)
    Case.objects.filter(pk=case.pk).update(reference="2026-<b>1")
    page = client.get(reverse("portal:status")).content.decode()
    assert "2026-&lt;b&gt;1" in page and "2026-<b>1" not in page
    client.post(reverse("portal:rate"), {"verdict": "nonsense"})  # refused: flashes why
    page = client.get(reverse("portal:status")).content.decode()
    assert 'class="messages"' in page


def test_a_request_with_any_query_string_is_rendered_whole():
    """The shell's language switch echoes the full path: "?&" (which parses to nothing)
    must not end up in the page served to everyone."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from core import page_shell

    for query, cacheable in (("", True), ("?&", False), ("?x=1", False)):
        request = RequestFactory().get("/r/status/case/" + query)
        request.user = AnonymousUser()
        request._messages = []
        assert page_shell.cacheable(request) is cacheable, query
