"""Phone-call intake: the channel the desk chose, the caller as applicant and the other
rows as respondents, the repeat caller found by number however it was typed (one look-up,
casework.phones), and staff search by phone."""

import pytest
from django.urls import reverse

from casework import phones
from casework.models import Party
from core.crypto import lookup_hash
from tests.factories import PartyFactory, make_case


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("021-6234 5678", "02162345678"),
        ("12345", ""),  # too short to be a phone number
        ("", ""),
    ],
)
def test_a_phone_number_has_one_key_however_it_is_typed(typed, key):
    # The key is the keyed hash of the normal form (#27), never the digits themselves.
    assert phones.normalise(typed) == key or not key
    assert phones.phone_key(typed) == (lookup_hash(key) if key else "")
    assert key == "" or key not in phones.phone_key(typed)


def test_a_party_keeps_its_key(world):
    case = make_case(place=world.building_a, organisation=world.committee_a)
    party = PartyFactory(case=case, phone="+86 138 0000 1111")
    assert Party.objects.get(pk=party.pk).phone_key == lookup_hash("13800001111")


def test_a_phone_intake_starts_as_a_call_with_the_caller_as_applicant(client, mediator):
    client.force_login(mediator)
    page = client.get(reverse("casework:case_new") + "?channel=phone").content.decode()
    assert '<option value="phone" selected>' in page
    assert 'name="party-0-role"' in page
    first = page.split('name="party-0-role"')[1].split("</select>")[0]
    second = page.split('name="party-1-role"')[1].split("</select>")[0]
    assert '<option value="applicant" selected>' in first
    assert '<option value="respondent" selected>' in second
    assert 'name="party-3-role"' not in page  # three rows, not three plus three


def test_a_repeat_caller_is_found_by_number_however_it_was_typed(client, world, mediator, outsider):
    earlier = make_case(place=world.building_a, organisation=world.committee_a)
    PartyFactory(case=earlier, name="李秀英", phone="138-1234-5678")
    elsewhere = make_case(place=world.estate_b, organisation=world.committee_b)
    PartyFactory(case=elsewhere, name="别处", phone="13812345678")
    client.force_login(mediator)
    page = client.get(
        reverse("casework:case_new") + "?channel=phone&caller=%2B86%2013812345678"
    ).content.decode()
    assert earlier.reference in page
    assert elsewhere.reference not in page  # another area's case stays invisible
    assert 'value="李秀英"' in page  # the caller's name from the latest case


def test_staff_search_finds_cases_by_the_callers_phone(client, world, mediator):
    case = make_case(place=world.building_a, organisation=world.committee_a)
    PartyFactory(case=case, phone="13812345678")
    other = make_case(place=world.building_a, organisation=world.committee_a)
    PartyFactory(case=other, phone="13900000000")
    client.force_login(mediator)
    page = client.get(reverse("casework:case_list") + "?q=138 1234 5678").content.decode()
    assert case.reference in page and other.reference not in page
    # A reference still finds its case.
    page = client.get(reverse("casework:case_list") + f"?q={other.reference}").content.decode()
    assert other.reference in page
