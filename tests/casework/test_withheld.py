"""Every withheld step says why (core.transitions.Machine.offers on the case page), and
every action says it worked."""

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from casework import services
from casework.models import ReferralRole, Status
from tests.factories import ReferralFactory, make_case


def _actions(page) -> str:
    html = page.content.decode()
    return re.search(r'<section class="actions">(.*?)</section>', html, re.S).group(1)


def test_an_open_lead_referral_shows_resume_disabled_with_its_reason(client, world, mediator):
    case = make_case(
        Status.WAITING,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    ReferralFactory(case=case, organisation=world.police, role=ReferralRole.LEAD)
    client.force_login(mediator)
    actions = _actions(client.get(reverse("casework:case_detail", args=[case.pk])))
    resume = re.search(
        r"<button type=\"button\" disabled[^>]*>Resume</button>\s*<p[^>]*>(.*?)</p>", actions, re.S
    )
    assert resume is not None, actions
    assert resume.group(1).strip()  # the guard's words, not an empty line
    assert "/transition/resume/" not in actions  # no form that would be refused


def test_a_resolved_case_tells_its_mediator_who_closes_it(client, world, mediator, supervisor):
    case = make_case(
        Status.RESOLVED,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
        resolved_at=timezone.now() - dt.timedelta(hours=1),
    )
    client.force_login(mediator)
    actions = _actions(client.get(reverse("casework:case_detail", args=[case.pk])))
    assert "Close after return visit" in actions
    assert "A supervisor closes the case after the return visit." in actions
    assert "/transition/close/" not in actions
    client.force_login(supervisor)
    actions = _actions(client.get(reverse("casework:case_detail", args=[case.pk])))
    # Not even a supervisor closes before the return visit (#20), and the page says so.
    assert "/transition/close/" not in actions
    assert "a case closes only after a return visit" in actions
    services.case_return_visit_record(
        case=case,
        actor=mediator,
        manner="phone",
        reached=True,
        efficiency=5,
        attitude=5,
        result=5,
        satisfied=True,
        residents_words="",
    )
    actions = _actions(client.get(reverse("casework:case_detail", args=[case.pk])))
    assert "/transition/close/" in actions


def test_after_assigning_the_page_says_who_has_it_and_who_can_reassign(client, world, mediator):
    case = make_case(
        Status.ACCEPTED,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    client.force_login(mediator)
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "A supervisor can reassign the case." in page
    assert reverse("casework:case_assign", args=[case.pk]) not in page


def test_a_step_taken_says_it_worked(client, world, mediator):
    case = make_case(place=world.building_a, organisation=world.committee_a)
    client.force_login(mediator)
    response = client.post(
        reverse("casework:case_transition", args=[case.pk, "accept"]),
        {"version": case.version},
        follow=True,
    )
    assert "Done: Accept." in response.content.decode()
