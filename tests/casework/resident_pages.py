"""The resident pages in every state a resident meets them, for the walkers that check
them all (the English-word walker here, the axe-core check in tests/e2e): a verified
session on a case received, waiting for a referral, resolved, rated "not satisfied" with
a reopen request, and not accepted."""

from __future__ import annotations

from dataclasses import dataclass

from casework import portal, services
from casework.models import Case
from casework.portal_views import VERIFIED_KEY
from tests.factories import category


@dataclass
class ResidentCase:
    case: Case
    code: str


def submitted(world, description="工地每天晚上打桩到十一点。") -> ResidentCase:
    registration = portal.submit_online(
        data=portal.Submission(
            category=category("construction_noise"),
            place=world.building_a,
            address="3号楼2单元",
            description=description,
            requests="请晚上十点后停工。",
            name="王建国",
            phone="13812345678",
            email="",
        )
    )
    return ResidentCase(registration.case, registration.status_code)


def to_work(case, mediator, supervisor) -> Case:
    case = services.case_transition(case=case, name="accept", actor=mediator)
    case = services.case_assign(case=case, officer=mediator, actor=supervisor)
    return services.case_transition(case=case, name="start_work", actor=mediator)


def refer(case, world, mediator):
    return services.referral_dispatch(
        case=case,
        organisation=world.police,
        actor=mediator,
        role="lead",
        kind="complaint",
        instructions="请到场核查夜间施工。",
    )


def resolve(case, mediator) -> Case:
    case.refresh_from_db()
    return services.case_transition(
        case=case, name="resolve", actor=mediator, outcome="resolved", summary="施工时间已调整。"
    )


def cases_in_every_state(world, mediator, supervisor) -> dict[str, ResidentCase]:
    """A case per state a resident's status page shows differently."""
    received = submitted(world)
    waiting = submitted(world)
    refer(to_work(waiting.case, mediator, supervisor), world, mediator)
    resolved = submitted(world)
    resolve(to_work(resolved.case, mediator, supervisor), mediator)
    reopen = submitted(world)
    resolve(to_work(reopen.case, mediator, supervisor), mediator)
    portal.rate_in_one_tap(case=reopen.case, verdict="not_satisfied")
    portal.request_reopen(case=reopen.case, reason="晚上还在打桩。")
    rejected = submitted(world)
    services.case_transition(
        case=rejected.case, name="reject", actor=mediator, reason="不属于本居委会管辖。"
    )
    return {
        "received": received,
        "waiting": waiting,
        "resolved": resolved,
        "reopen-requested": reopen,
        "rejected": rejected,
    }


def verify(client, case: Case) -> None:
    """Let ``client``'s session see ``case`` as if its resident had looked it up."""
    import time

    session = client.session
    session[VERIFIED_KEY] = {"pk": case.pk, "at": time.time()}
    session.save()
