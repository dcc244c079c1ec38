"""The case page takes its buttons from ``case_offers`` (one pass over the guards): the
steps it allows are exactly the machine's available transitions, for every status, with
and without an open lead referral, for each kind of user."""

import pytest

from casework import services
from casework.models import ReferralRole, ReferralStatus, Status
from tests.factories import ReferralFactory, make_case

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [s.value for s in Status])
@pytest.mark.parametrize("referred", [False, True])
def test_allowed_offers_are_the_available_transitions(
    world, mediator, colleague, supervisor, archivist, agency_officer, status, referred
):
    case = make_case(
        status, place=world.building_a, organisation=world.committee_a, assigned_officer=mediator
    )
    if referred:
        ReferralFactory(
            case=case,
            organisation=world.police,
            role=ReferralRole.LEAD,
            status=ReferralStatus.DISPATCHED,
        )
    for user in (mediator, colleague, supervisor, archivist, agency_officer):
        fresh = type(user).objects.get(pk=user.pk)
        allowed = [o.name for o in services.case_offers(case, fresh) if o.allowed]
        available = [t.name for t in services.available_transitions(case, fresh)]
        assert allowed == available, (status, user.username)
