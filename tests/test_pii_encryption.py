"""Personal data at rest (#27, core.crypto): the raw database holds no clear-text phone
number or address on either engine, look-ups by phone still find the case, a new key
re-seals every value and keeps it readable, and a missing or wrong key is a clear error."""

import base64
import io

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from casework.models import Party
from core import crypto
from core.models import SecurityEvent, SecurityEventKind
from tests.factories import PartyFactory, make_case

PHONE = "13812345678"
ADDRESS = "长宁路1号3号楼201室"
NEW_KEY = "k2:" + base64.b64encode(b"0123456789abcdef").decode()


def raw_party_columns(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, address, phone_key FROM casework_party WHERE id = %s", [pk])
        return cursor.fetchone()


def raw_dump_contains(text: str) -> bool:
    """Whether any text column of the parties table holds ``text`` (raw SQL, no ORM)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM casework_party WHERE phone LIKE %s OR address LIKE %s "
            "OR phone_key LIKE %s OR name LIKE %s",
            [f"%{text}%"] * 4,
        )
        return cursor.fetchone()[0] > 0


@pytest.fixture
def party(world):
    case = make_case(place=world.building_a, organisation=world.committee_a)
    return PartyFactory(case=case, name="李秀英", phone="138 1234 5678", address=ADDRESS)


def test_the_database_holds_no_clear_text_phone_or_address(party):
    phone, address, key = raw_party_columns(party.pk)
    assert phone.startswith("pii1:dev:sm4-gcm:") and address.startswith("pii1:dev:sm4-gcm:")
    assert "1234" not in phone and "5678" not in phone and "长宁路" not in address
    assert not raw_dump_contains("5678") and not raw_dump_contains("长宁路")
    assert len(key) == 64 and PHONE not in key  # the HMAC-SM3 look-up key, not the digits
    # The application reads the clear text.
    fresh = Party.objects.get(pk=party.pk)
    assert (fresh.phone, fresh.address) == ("138 1234 5678", ADDRESS)
    assert fresh.masked_phone == "138****5678"


def test_a_cases_address_details_are_sealed_too(world):
    """The case's own address details (a flat, often the resident's home) — casework 0041."""
    from casework.models import Case

    case = make_case(place=world.building_a, organisation=world.committee_a, address=ADDRESS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM casework_case WHERE id = %s", [case.pk])
        (raw,) = cursor.fetchone()
    assert raw.startswith("pii1:dev:sm4-gcm:") and "长宁路" not in raw
    assert Case.objects.get(pk=case.pk).address == ADDRESS


def test_two_equal_numbers_are_sealed_differently_but_share_the_key(party):
    twin = PartyFactory(case=party.case, phone="138 1234 5678")
    assert raw_party_columns(twin.pk)[0] != raw_party_columns(party.pk)[0]
    assert raw_party_columns(twin.pk)[2] == raw_party_columns(party.pk)[2]


def test_staff_search_and_the_repeat_caller_lookup_still_find_the_case(client, party, mediator):
    client.force_login(mediator)
    page = client.get(reverse("casework:case_list") + "?q=%2B86 138-1234-5678").content.decode()
    assert party.case.reference in page
    page = client.get(
        reverse("casework:case_new") + "?channel=phone&caller=13812345678"
    ).content.decode()
    assert party.case.reference in page and 'value="李秀英"' in page


def test_a_search_on_the_ciphertext_is_refused_not_silently_empty(party):
    with pytest.raises(FieldError, match="encrypted"):
        list(Party.objects.filter(phone__icontains="1381"))
    # Blank tests still work (forms and "has a phone" filters use them).
    assert Party.objects.filter(pk=party.pk).exclude(phone="").exists()


def test_aes_gcm_is_a_setting_and_sm4_values_stay_readable(settings, party):
    settings.LINLI = {**settings.LINLI, "PII": {**settings.LINLI["PII"], "CIPHER": "aes-gcm"}}
    other = PartyFactory(case=party.case, phone="13900001111")
    assert raw_party_columns(other.pk)[0].startswith("pii1:dev:aes-gcm:")
    assert Party.objects.get(pk=party.pk).phone == "138 1234 5678"
    assert Party.objects.get(pk=other.pk).phone == "13900001111"


def _with_new_key(settings):
    pii = settings.LINLI["PII"]
    settings.LINLI = {
        **settings.LINLI,
        "PII": {**pii, "KEYS": f"{NEW_KEY},{pii['KEYS']}", "KEY_ID": "k2"},
    }


def test_key_rotation_reseals_every_value_and_keeps_it_readable(settings, party):
    others = [PartyFactory(case=party.case, phone=f"1390000{i:04d}") for i in range(5)]
    _with_new_key(settings)
    out = io.StringIO()
    call_command("rotate_pii_key", "--batch", "2", stdout=out)
    assert "casework.Party: 6 rows re-sealed under key 'k2'" in out.getvalue()
    for p in [party, *others]:
        phone, address, _key = raw_party_columns(p.pk)
        assert phone.startswith("pii1:k2:")
        assert address == "" or address.startswith("pii1:k2:")
    assert Party.objects.get(pk=party.pk).address == ADDRESS
    assert [Party.objects.get(pk=p.pk).phone for p in others] == [
        f"1390000{i:04d}" for i in range(5)
    ]
    event = SecurityEvent.objects.get(kind=SecurityEventKind.PII_KEY_ROTATED)
    assert event.detail == {"key_id": "k2", "rows": 6}
    # Resumable: a second run finds nothing left; the old key may now leave.
    out = io.StringIO()
    call_command("rotate_pii_key", stdout=out)
    assert "0 rows in all re-sealed" in out.getvalue()
    settings.LINLI = {**settings.LINLI, "PII": {**settings.LINLI["PII"], "KEYS": NEW_KEY}}
    assert Party.objects.get(pk=party.pk).phone == "138 1234 5678"


def test_rotation_seals_values_left_in_clear_text(party):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE casework_party SET phone = %s WHERE id = %s", [PHONE, party.pk])
    assert Party.objects.get(pk=party.pk).phone == PHONE  # read as it is until sealed
    out = io.StringIO()
    call_command("rotate_pii_key", "--dry-run", stdout=out)
    assert "casework.Party: 1 rows to re-seal" in out.getvalue()
    assert raw_party_columns(party.pk)[0] == PHONE  # a dry run changes nothing
    call_command("rotate_pii_key", stdout=io.StringIO())
    assert raw_party_columns(party.pk)[0].startswith("pii1:dev:")


def test_a_missing_key_is_a_clear_error_not_garbage(settings, party):
    settings.LINLI = {
        **settings.LINLI,
        "PII": {**settings.LINLI["PII"], "KEYS": NEW_KEY, "KEY_ID": "k2"},
    }
    with pytest.raises(crypto.PIIKeyError, match="sealed with key 'dev', which is not in"):
        Party.objects.get(pk=party.pk)


def test_a_wrong_key_under_the_same_id_is_a_clear_error(settings, party):
    wrong = "dev:" + base64.b64encode(b"fedcba9876543210").decode()
    settings.LINLI = {**settings.LINLI, "PII": {**settings.LINLI["PII"], "KEYS": wrong}}
    with pytest.raises(crypto.PIIKeyError, match="does not verify under key 'dev'"):
        Party.objects.get(pk=party.pk)


def test_an_altered_value_does_not_verify(party):
    phone = raw_party_columns(party.pk)[0]
    body = phone.rsplit(":", 1)[1]
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE casework_party SET phone = %s WHERE id = %s",
            [phone.rsplit(":", 1)[0] + ":" + flipped, party.pk],
        )
    with pytest.raises(crypto.PIIKeyError, match="altered"):
        Party.objects.get(pk=party.pk)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("", "empty"),
        ("k1", "each key is"),
        ("k1:not base64!", "not base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "5 bytes"),
    ],
)
def test_malformed_keys_fail_the_system_check(settings, keys, message):
    from core.checks import check_pii_keys

    settings.LINLI = {**settings.LINLI, "PII": {**settings.LINLI["PII"], "KEYS": keys}}
    errors = check_pii_keys(None)
    assert [e.id for e in errors] == ["linli.E110"] and message in errors[0].msg


def test_production_refuses_the_public_development_keys(settings):
    from core.checks import check_pii_keys

    settings.IS_PRODUCTION = True
    assert [e.id for e in check_pii_keys(None)] == ["linli.E111"]


@pytest.mark.postgres
def test_the_phone_lookup_stays_an_index_lookup(party):
    """The keyed hash is an indexed column: the repeat-caller lookup and staff search's
    phone arm are index scans, however many cases there are (tests/perf measures it)."""
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN's index names are PostgreSQL's")
    from casework import filters, phones
    from casework.models import Case

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: force the choice
    plan = phones.cases_with_phone(Case.objects.all(), PHONE).order_by().explain()
    assert "phone_key" in plan and "Index" in plan, plan
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    parties = Party.objects.filter(phone_key=phones.phone_key(PHONE)).values("case_id")
    plan = parties.explain()
    assert "phone_key" in plan and "Index" in plan, plan
    found = filters.CaseFilter({"q": "138 1234 5678"}, queryset=Case.objects.all()).qs
    assert list(found) == [party.case]
