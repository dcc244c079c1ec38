"""Two people acting on one case at the same moment: exactly one wins."""

import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import translation

from casework import services
from casework.models import Case, CaseEvent, Status
from core.exceptions import ConcurrentChange, ServiceError
from tests.factories import make_case


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_threads_transition_one_case_one_wins(world, mediator, supervisor):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
    case = make_case(
        place=world.building_a, organisation=world.committee_a, assigned_officer=mediator
    )
    # Both actors loaded the page showing version 1.
    copies = [Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)]
    plans = [
        (copies[0], "accept", mediator, {}),
        (copies[1], "reject", supervisor, {"reason": "Out of scope."}),
    ]
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def act(i):
        stale, name, actor, params = plans[i]
        try:
            barrier.wait(timeout=10)
            translation.activate("en")  # a new thread starts in LANGUAGE_CODE (zh-hans)
            services.case_transition(case=stale, name=name, actor=actor, **params)
            results[i] = "ok"
        except ServiceError as exc:
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=act, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(type(r).__name__ for r in results) == ["ConcurrentChange", "str"]
    loser = next(r for r in results if isinstance(r, ConcurrentChange))
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
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
    from casework.models import Referral, ReferralStatus
    from tests.factories import ReferralFactory

    case = make_case(
        Status.WAITING,
        place=world.building_a,
        organisation=world.committee_a,
        assigned_officer=mediator,
    )
    referral = ReferralFactory(case=case, organisation=world.police)
    plans = [
        ("sign_for", agency_officer, {}),
        ("recall", mediator, {"reason": "Sent to the wrong station."}),
    ]
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def act(i):
        name, actor, params = plans[i]
        try:
            stale = Referral.objects.get(pk=referral.pk)
            barrier.wait(timeout=10)
            translation.activate("en")  # a new thread starts in LANGUAGE_CODE (zh-hans)
            services.referral_transition(
                referral=stale, name=name, actor=actor, expected_version=1, **params
            )
            results[i] = "ok"
        except ServiceError as exc:
            results[i] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=act, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(type(r).__name__ for r in results) == ["ConcurrentChange", "str"]
    referral.refresh_from_db()
    assert referral.status in {ReferralStatus.SIGNED_FOR, ReferralStatus.RECALLED}
    assert referral.version == 2
    assert CaseEvent.objects.filter(referral=referral).count() == 1
