import pytest
from django.urls import reverse

from casework.models import Case, CaseEvent, Status
from tests.factories import PartyFactory, make_case


@pytest.fixture
def case(world, mediator):
    case = make_case(
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
        description="工地夜间打桩 UNIQUE-DESC",
    )
    PartyFactory(case=case, name="王建国", phone="13812345678")
    return case


def test_anonymous_is_sent_to_login(client, case):
    response = client.get(reverse("casework:case_detail", args=[case.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_at_the_root_gets_the_residents_home_not_the_dashboard(client, case):
    page = client.get(reverse("casework:home")).content.decode()
    assert reverse("portal:submit") in page and reverse("login") in page
    assert case.reference not in page


def test_an_outsider_gets_404_for_another_areas_case(client, case, outsider):
    client.force_login(outsider)
    assert client.get(reverse("casework:case_detail", args=[case.pk])).status_code == 404
    home = client.get(reverse("casework:home"))
    assert case.reference not in home.content.decode()
    response = client.post(
        reverse("casework:case_transition", args=[case.pk, "accept"]), {"version": case.version}
    )
    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).status == Status.REGISTERED


def test_the_case_page_masks_phones_for_colleagues_not_the_officer(
    client, case, mediator, colleague, supervisor
):
    client.force_login(colleague)
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "UNIQUE-DESC" in page and "王建国" in page
    assert "138****5678" in page and "13812345678" not in page
    assert "Show the full number" not in page
    for insider in (mediator, supervisor):
        # Masked for them too (#27); they may ask for the full number, one party at a time.
        client.force_login(insider)
        page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
        assert "138****5678" in page and "13812345678" not in page
        assert "Show the full number" in page


def test_the_home_list_shows_the_areas_cases(client, case, mediator):
    client.force_login(mediator)
    page = client.get(reverse("casework:home")).content.decode()
    assert case.reference in page


def test_a_transition_through_the_page_is_logged_and_shown(client, case, mediator):
    client.force_login(mediator)
    response = client.post(
        reverse("casework:case_transition", args=[case.pk, "accept"]),
        {"version": case.version},
        follow=True,
    )
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED
    event = CaseEvent.objects.get(case=case)
    assert event.transition == "accept"
    assert "Accepted" in response.content.decode()


def test_a_stale_form_gets_the_reload_message_not_a_500(client, case, mediator):
    client.force_login(mediator)
    url = reverse("casework:case_transition", args=[case.pk, "accept"])
    client.post(url, {"version": case.version})
    response = client.post(url, {"version": case.version}, follow=True)
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_a_refused_guard_is_shown_in_words(client, case, mediator):
    client.force_login(mediator)
    response = client.post(
        reverse("casework:case_transition", args=[case.pk, "reject"]),
        {"version": case.version, "reason": ""},
        follow=True,
    )
    assert "Give the reason for not accepting the case." in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.REGISTERED


def test_a_read_only_role_gets_403_on_a_transition(client, case, archivist):
    client.force_login(archivist)
    response = client.post(
        reverse("casework:case_transition", args=[case.pk, "accept"]), {"version": case.version}
    )
    assert response.status_code == 403
    assert "You are not allowed to “Accept” this case." in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.REGISTERED


def test_garbage_in_the_form_is_not_a_500(client, case, mediator):
    client.force_login(mediator)
    url = reverse("casework:case_transition", args=[case.pk, "accept"])
    assert client.post(url, {"version": "x' OR 1=1"}).status_code == 404
    assert client.get(url).status_code == 405
    bogus = reverse("casework:case_transition", args=[case.pk, "explode"])
    assert client.post(bogus, {"version": case.version}, follow=True).status_code == 200


def test_buttons_are_the_users_own_transitions(client, case, mediator, archivist):
    client.force_login(mediator)
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "/transition/accept/" in page and "/transition/archive/" not in page
    client.force_login(archivist)
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "/transition/" not in page


def test_a_party_found_later_is_added_from_the_case_page(client, world, mediator, outsider):
    from casework.models import CaseEvent, Party
    from tests.factories import make_case

    case = make_case(
        "in_progress",
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    url = reverse("casework:case_party_add", args=[case.pk])
    client.force_login(mediator)
    response = client.post(
        url, {"role": "respondent", "kind": "resident", "name": "陈建国", "phone": "13912345678"}
    )
    assert response.status_code == 302 and response.url.endswith("#parties")
    party = Party.objects.get(case=case)
    assert (party.role, party.name, party.phone) == ("respondent", "陈建国", "13912345678")
    assert CaseEvent.objects.filter(
        case=case, code="case.party_added", params__name="陈建国", is_public=False
    ).exists()
    # A nameless party or a bad phone is refused in words and adds nothing.
    response = client.post(url, {"role": "respondent", "kind": "resident", "name": ""}, follow=True)
    assert any("name" in str(m) for m in response.context["messages"])
    response = client.post(
        url, {"role": "respondent", "kind": "resident", "name": "x", "phone": "abc"}, follow=True
    )
    assert Party.objects.filter(case=case).count() == 1
    # Someone from another area gets nothing.
    client.force_login(outsider)
    assert (
        client.post(url, {"role": "respondent", "kind": "resident", "name": "y"}).status_code == 404
    )
    assert Party.objects.filter(case=case).count() == 1
