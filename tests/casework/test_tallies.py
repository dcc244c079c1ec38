"""The summary tables behind the dashboard and the reports (``casework.tallies``) equal a
full recount whatever the services did, in whatever order, across months."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework import portal, services, tallies
from casework.models import Case, Referral, Tally
from core.exceptions import ServiceError
from tests.factories import category, make_case

SH = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 3, 2, 10, tzinfo=SH)

CASE_STEPS = {
    "accept": {},
    "reject": {"reason": "不属于受理范围"},
    "start_work": {},
    "wait": {"reason": "等待答复"},
    "resume": {},
    "resolve": {"outcome": "resolved", "summary": "已解决"},
    "close": {"note": "结案"},
    "reopen": {"reason": "居民不满意"},
    "withdraw": {"reason": "撤回"},
}
REFERRAL_STEPS = {
    "sign_for": {},
    "send_reply": {"reply": "已处理"},
    "accept_reply": {},
    "send_back": {"reason": "请补充"},
    "recall": {"reason": "误派"},
}
WALKS = {  # several steps at once, so that short sequences reach the later states
    "walk": ["accept", "start_work"],
    "walk_to_resolved": ["accept", "start_work", "resolve"],
}
STEP = st.one_of(
    st.tuples(st.just("register"), st.integers(0, 1), st.integers(0, 1)),
    st.tuples(st.sampled_from(sorted(CASE_STEPS)), st.integers(0, 7), st.just(0)),
    st.tuples(st.sampled_from(sorted(WALKS)), st.integers(0, 7), st.just(0)),
    st.tuples(st.just("refer"), st.integers(0, 7), st.integers(0, 1)),
    st.tuples(st.sampled_from(sorted(REFERRAL_STEPS)), st.integers(0, 7), st.just(0)),
    st.tuples(st.just("rate"), st.integers(0, 7), st.integers(0, 1)),
    st.tuples(st.just("days"), st.integers(1, 40), st.just(0)),
)


def assert_tables_equal_recount():
    held, expected = tallies.stored(), tallies.recount()
    assert held == expected, {k: (held[k], expected[k]) for k in held.keys() ^ expected.keys()}


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=40))
def test_the_tables_equal_a_full_recount_after_any_sequence_of_service_calls(
    world, supervisor, agency_officer, property_manager, steps
):
    places = [world.building_a, world.estate_b]
    committees = [world.committee_a, world.committee_b]
    categories = [category("construction_noise"), category("pets")]
    receivers = {world.police.pk: agency_officer, world.property_company.pk: property_manager}
    organisations = [world.police, world.property_company]
    moment = START
    cases = list(Case.objects.order_by("pk")[:3])
    for kind, which, option in steps:
        with time_machine.travel(moment, tick=False):
            try:
                if kind == "days":
                    moment += dt.timedelta(days=which)
                elif kind == "register":
                    case = make_case(
                        "registered",
                        place=places[which],
                        organisation=committees[which],
                        category=categories[option],
                        assigned_officer=supervisor,
                    )
                    cases.append(case)
                elif not cases:
                    continue
                elif kind in CASE_STEPS or kind in WALKS:
                    case = cases[which % len(cases)]
                    for name in WALKS.get(kind, [kind]):
                        services.case_transition(
                            case=Case.objects.get(pk=case.pk),
                            name=name,
                            actor=supervisor,
                            **CASE_STEPS[name],
                        )
                elif kind == "refer":
                    case = Case.objects.get(pk=cases[which % len(cases)].pk)
                    services.referral_dispatch(
                        case=case,
                        organisation=organisations[option],
                        actor=supervisor,
                        role="lead" if option == 0 else "assisting",
                        kind="complaint",
                        instructions="请处理",
                    )
                elif kind in REFERRAL_STEPS:
                    referral = Referral.objects.filter(case__in=[c.pk for c in cases]).order_by(
                        "-pk"
                    )[which % 3 : which % 3 + 1]
                    for r in referral:
                        officer = receivers[r.organisation_id]
                        actor = (
                            supervisor
                            if kind in {"accept_reply", "send_back", "recall"}
                            else officer
                        )
                        services.referral_transition(
                            referral=r, name=kind, actor=actor, **REFERRAL_STEPS[kind]
                        )
                elif kind == "rate":
                    portal.rate_case(
                        case=Case.objects.get(pk=cases[which % len(cases)].pk),
                        efficiency=4,
                        attitude=4,
                        result=4 if option else 2,
                        satisfied=bool(option),
                    )
            except ServiceError:
                pass  # refused as a person would be; the tables must still be right
    assert_tables_equal_recount()


def test_rebuild_recomputes_both_tables_and_check_finds_drift(world, mediator):
    case = make_case("in_progress", place=world.building_a, organisation=world.committee_a)
    assert_tables_equal_recount()
    Tally.objects.filter(kind="opened").update(n=99)  # drift (e.g. a bulk import)
    with pytest.raises(Exception, match="differ"):
        call_command("rebuild_tallies", "--check", stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("rebuild_tallies", stdout=out)
    assert "1 cases" in out.getvalue()
    assert_tables_equal_recount()
    tallies.refresh(case.pk)  # idempotent
    assert_tables_equal_recount()
    call_command("rebuild_tallies", "--check", stdout=out)


def test_a_case_counts_at_its_estate_and_a_deleted_case_counts_nowhere(world):
    case = make_case("in_progress", place=world.building_a, organisation=world.committee_a)
    estate = case.place.parent
    while len(estate.path) > 27:
        estate = estate.parent
    assert set(Tally.objects.filter(n__gt=0).values_list("place_id", flat=True)) == {estate.pk}
    tallies.forget(case.pk)
    assert not Tally.objects.filter(n__gt=0).exists()
