"""Two people acting on one case at the same moment: exactly one wins."""

import pytest

from casework import services
from casework.models import Case, CaseEvent, Referral, ReferralStatus, Status
from tests.concurrency import needs_postgres, race
from tests.factories import ReferralFactory, make_case


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_threads_transition_one_case_one_wins(world, mediator, supervisor):
    needs_postgres()
    case = make_case(
        place=world.building_a, organisation=world.committee_a, assigned_officer=mediator
    )
    # Both actors loaded the page showing version 1.
    copies = [Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)]
    outcomes = race(
        lambda: services.case_transition(case=copies[0], name="accept", actor=mediator),
        lambda: services.case_transition(
            case=copies[1], name="reject", actor=supervisor, reason="Out of scope."
        ),
    )
    assert sorted(o.kind for o in outcomes) == ["ConcurrentChange", "ok"]
    loser = next(o.error for o in outcomes if not o.ok)
    assert "reload" in loser.messages[0].lower()
    case.refresh_from_db()
    assert case.status in {Status.ACCEPTED, Status.REJECTED}
    assert case.version == 2
    assert CaseEvent.objects.filter(case=case).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_organisation_and_street_act_on_one_referral_at_once_one_wins(
    world, mediator, agency_officer
):
    """The agency signs for while the officer recalls: one wins, the other must reload."""
    needs_postgres()
    case = make_case(
        Status.WAITING,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    referral = ReferralFactory(case=case, organisation=world.police)
    # Both loaded the referral at version 1.
    copies = [Referral.objects.get(pk=referral.pk), Referral.objects.get(pk=referral.pk)]
    outcomes = race(
        lambda: services.referral_transition(
            referral=copies[0], name="sign_for", actor=agency_officer, expected_version=1
        ),
        lambda: services.referral_transition(
            referral=copies[1],
            name="recall",
            actor=mediator,
            expected_version=1,
            reason="Sent to the wrong station.",
        ),
    )
    assert sorted(o.kind for o in outcomes) == ["ConcurrentChange", "ok"]
    referral.refresh_from_db()
    assert referral.status in {ReferralStatus.SIGNED_FOR, ReferralStatus.RECALLED}
    assert referral.version == 2
    assert CaseEvent.objects.filter(referral=referral).count() == 1
