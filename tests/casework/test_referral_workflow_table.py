"""The referral state machine (DOMAIN.md §3) as one table: every state × transition × role.

The case is assigned to ``mediator``; the referral goes to ``world.police`` (where
``agency_officer`` works). ``other_agency`` is an officer of another police station.
Allowed combinations succeed and log exactly one referral event; every other
combination is refused with a reason and changes nothing.
"""

import pytest

from casework import services
from casework.models import (
    OPEN_REFERRAL_STATUSES,
    CaseEvent,
    OrgKind,
    Referral,
    ReferralStatus,
    Status,
)
from casework.roles import Role
from core.exceptions import ActionForbidden, TransitionRefused
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ReferralFactory,
    UserFactory,
    make_case,
)

R = ReferralStatus
STREET = {"mediator", "supervisor"}  # whoever works the case
SUPERVISOR = {"supervisor"}  # an extension is the supervisor's decision (DOMAIN.md §3)
ORG = {"agency_officer"}  # the receiving organisation's own staff

TABLE = {
    "sign_for": ({R.DISPATCHED}, ORG, R.SIGNED_FOR),
    "request_return": ({R.DISPATCHED, R.SIGNED_FOR}, ORG, R.RETURN_REQUESTED),
    "approve_return": ({R.RETURN_REQUESTED}, STREET, R.RETURNED),
    "refuse_return": ({R.RETURN_REQUESTED}, STREET, R.SIGNED_FOR),
    "request_extension": ({R.SIGNED_FOR}, ORG, R.EXTENSION_REQUESTED),
    "approve_extension": ({R.EXTENSION_REQUESTED}, SUPERVISOR, R.SIGNED_FOR),
    "refuse_extension": ({R.EXTENSION_REQUESTED}, SUPERVISOR, R.SIGNED_FOR),
    "send_reply": ({R.SIGNED_FOR}, ORG, R.REPLIED),
    "accept_reply": ({R.REPLIED}, STREET, R.CLOSED),
    "send_back": ({R.REPLIED}, STREET, R.SIGNED_FOR),
    "recall": ({R.DISPATCHED, R.SIGNED_FOR, R.EXTENSION_REQUESTED}, STREET, R.RECALLED),
}
ROLES = [
    "mediator",
    "colleague",
    "supervisor",
    "archivist",
    "agency_officer",
    "other_agency",
    "property_manager",
    "outsider",
]
PARAMS = {
    "reason": "Site manager says the permit allows work until 23:00.",
    "return_reason": "wrong_territory",
    "days": 3,
    "reply": "Inspected on site; piling now stops at 22:00.",
}
STATE_FIELDS = {
    R.RETURN_REQUESTED: {"return_reason": "wrong_territory", "request_note": "Not ours."},
    R.EXTENSION_REQUESTED: {"extension_days": 3, "request_note": "Waiting for a permit."},
    R.REPLIED: {"reply": "Done."},
}


@pytest.fixture
def other_agency(world):
    station = OrganisationFactory(
        name="天平路派出所", kind=OrgKind.POLICE_STATION, places=[world.street]
    )
    user = UserFactory(username="other_agency")
    MembershipFactory(user=user, organisation=station, role=Role.AGENCY_OFFICER)
    return user


def test_the_table_covers_every_declared_transition():
    assert set(TABLE) == set(services.all_referral_transitions())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(TABLE))
@pytest.mark.parametrize("state", [s.value for s in ReferralStatus])
def test_state_transition_role(state, name, role, request, world):
    mediator = request.getfixturevalue("mediator")
    actor = request.getfixturevalue(role)
    is_open = state in OPEN_REFERRAL_STATUSES
    case = make_case(
        Status.WAITING if is_open else Status.IN_PROGRESS,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    referral = ReferralFactory(
        case=case, organisation=world.police, status=state, **STATE_FIELDS.get(state, {})
    )
    events_before = CaseEvent.objects.filter(case=case).count()
    sources, roles, target = TABLE[name]

    if state in sources and role in roles:
        services.referral_transition(referral=referral, name=name, actor=actor, **PARAMS)
        referral.refresh_from_db()
        assert referral.status == target
        event = CaseEvent.objects.get(referral=referral, transition=name)
        assert event.actor == actor
        case.refresh_from_db()
        if target in {R.CLOSED, R.RETURNED, R.RECALLED}:
            # The only referral ended: the case resumes by itself, logged as its own event.
            assert case.status == Status.IN_PROGRESS
            assert CaseEvent.objects.filter(case=case, transition="resume").count() == 1
            assert CaseEvent.objects.filter(case=case).count() == events_before + 2
        else:
            assert case.status == Status.WAITING
            assert CaseEvent.objects.filter(case=case).count() == events_before + 1
    else:
        expected = TransitionRefused if state not in sources else ActionForbidden
        with pytest.raises(expected) as refused:
            services.referral_transition(referral=referral, name=name, actor=actor, **PARAMS)
        assert refused.value.messages and all(refused.value.messages)
        if expected is TransitionRefused:
            assert "not possible while the referral is" in refused.value.messages[0]
        else:
            assert "not allowed" in refused.value.messages[0]
        assert Referral.objects.get(pk=referral.pk).status == state
        assert CaseEvent.objects.filter(case=case).count() == events_before
