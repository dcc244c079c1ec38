"""显示完整号码 (#27): numbers are masked on every page; the assigned officer and the
area's supervisors may ask for one party's full number and address by POST, and each
look is in the security record (who, which party, when — never the number); colleagues,
other areas, agencies and residents cannot."""

import pytest
from django.urls import reverse

from core.masking import mask_id_number, mask_phone
from core.models import SecurityEvent, SecurityEventKind
from tests.factories import PartyFactory, make_case


@pytest.fixture
def party(world, mediator):
    case = make_case(
        place=world.building_a, organisation=world.committee_a, assigned_officer=mediator
    )
    return PartyFactory(case=case, name="王建国", phone="13812345678", address="3号楼201室")


def reveal(client, party):
    return client.post(reverse("casework:party_contact", args=[party.case.pk]), {"party": party.pk})


@pytest.mark.parametrize("insider", ["mediator", "supervisor"])
def test_the_officer_and_supervisors_see_the_full_number_and_it_is_recorded(
    client, party, insider, request
):
    user = request.getfixturevalue(insider)
    client.force_login(user)
    response = reveal(client, party)
    page = response.content.decode()
    assert response.status_code == 200
    assert "13812345678" in page and "3号楼201室" in page and "王建国" in page
    assert "no-store" in response["Cache-Control"]
    event = SecurityEvent.objects.get(kind=SecurityEventKind.PII_REVEALED)
    assert (event.actor, event.object_type, event.object_id) == (
        user,
        "casework.party",
        str(party.pk),
    )
    assert event.detail == {"case": party.case.pk, "fields": ["phone", "address", "email"]}
    assert "13812345678" not in str(event.detail)
    # The case page itself still shows the masked number only.
    page = client.get(reverse("casework:case_detail", args=[party.case.pk])).content.decode()
    assert "138****5678" in page and "13812345678" not in page and "3号楼201室" not in page


@pytest.mark.parametrize("who", ["colleague", "outsider", "agency_officer", "property_manager"])
def test_others_cannot_reveal(client, party, who, request):
    client.force_login(request.getfixturevalue(who))
    response = reveal(client, party)
    assert response.status_code in (403, 404)
    assert "13812345678" not in response.content.decode()
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.PII_REVEALED).exists()


def test_a_resident_without_an_account_cannot_reveal(client, party):
    response = reveal(client, party)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.PII_REVEALED).exists()


def test_a_reveal_is_by_post_only_and_of_the_cases_own_party(client, world, party, mediator):
    client.force_login(mediator)
    url = reverse("casework:party_contact", args=[party.case.pk])
    assert client.get(url, {"party": party.pk}).status_code == 405
    stranger = PartyFactory(
        case=make_case(place=world.building_a, organisation=world.committee_a),
        phone="13900000000",
    )
    assert client.post(url, {"party": stranger.pk}).status_code == 404
    assert client.post(url, {"party": "x"}).status_code == 404
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.PII_REVEALED).exists()


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("310101199003071234", "3101**********1234"),
        ("31010119900307123x", "3101**********123X"),
        ("310101900307123", "3101*******7123"),  # 15-character (first-generation) card
        ("1234", "****"),
        ("", ""),
    ],
)
def test_an_id_number_is_masked_to_its_first_and_last_four(number, masked):
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("021-6234 5678", "021****5678"), ("12345", "*****")],
)
def test_a_phone_is_masked_to_its_first_three_and_last_four(phone, masked):
    assert mask_phone(phone) == masked
