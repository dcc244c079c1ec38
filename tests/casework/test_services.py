import datetime as dt
import re

import pytest
from django.utils import timezone

from casework import services, status_codes
from casework.calendar import add_working_days, working_days_between
from casework.models import Case, CaseEvent, Channel, EventKind, Party, Status
from casework.services import PartyData
from core.exceptions import ActionForbidden, ConcurrentChange, TransitionRefused
from tests.factories import PartyFactory, category, make_case


def _case(world, state=Status.REGISTERED, **kwargs):
    return make_case(state, place=world.building_a, organisation=world.committee_a, **kwargs)


# --------------------------------------------------------------------- guards


def test_it_refuses_to_start_work_without_an_officer(world, supervisor):
    case = _case(world, Status.ACCEPTED)
    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(case=case, name="start_work", actor=supervisor)
    assert refused.value.messages == ["Assign an officer before work starts."]
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED


@pytest.mark.parametrize(
    ("state", "name", "message"),
    [
        (Status.REGISTERED, "reject", "Give the reason for not accepting the case."),
        (Status.IN_PROGRESS, "wait", "Say what the case is waiting for."),
        (
            Status.RESOLVED,
            "close",
            "Record the return visit (回访) first: a case closes only after a return visit or "
            "the resident's own rating.",
        ),
        (Status.CLOSED, "reopen", "Give the reason for reopening the case."),
        (Status.IN_PROGRESS, "withdraw", "Record why the resident withdrew."),
    ],
)
def test_it_refuses_a_transition_missing_its_input(world, supervisor, state, name, message):
    case = _case(world, state, assigned_officer=supervisor)
    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(case=case, name=name, actor=supervisor, reason="  ")
    assert refused.value.messages == [message]
    assert Case.objects.get(pk=case.pk).status == state
    assert not CaseEvent.objects.filter(case=case).exists()


def test_resolve_names_every_missing_input(world, mediator):
    case = _case(world, Status.IN_PROGRESS, assigned_officer=mediator)
    with pytest.raises(TransitionRefused) as refused:
        services.case_transition(case=case, name="resolve", actor=mediator, outcome="bogus")
    assert refused.value.messages == [
        "Choose the outcome of the case.",
        "Write a resolution summary.",
    ]


def test_resolve_refuses_outcomes_reserved_for_other_paths(world, mediator):
    case = _case(world, Status.IN_PROGRESS, assigned_officer=mediator)
    with pytest.raises(TransitionRefused):
        services.case_transition(
            case=case, name="resolve", actor=mediator, outcome="duplicate", summary="x"
        )


def test_internal_transitions_are_not_reachable_through_case_transition(world, mediator):
    case = _case(world)
    with pytest.raises(TransitionRefused, match="Unknown action"):
        services.case_transition(case=case, name="mark_merged", actor=mediator)
    with pytest.raises(TransitionRefused, match="Unknown action"):
        services.case_transition(case=case, name="delete", actor=mediator)


def test_status_cannot_be_set_by_assignment(world):
    case = _case(world)
    with pytest.raises(AttributeError):
        case.status = Status.CLOSED


def test_an_unassigned_case_is_the_whole_teams(world, colleague):
    case = _case(world)
    services.case_transition(case=case, name="accept", actor=colleague)
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED


def test_accept_stamps_deadlines_in_working_days(world, mediator):
    case = _case(world, category=category("elevator_retrofit"))
    case = services.case_transition(case=case, name="accept", actor=mediator)
    today = timezone.localdate()
    assert case.due_date == add_working_days(today, 15)
    assert case.first_contact_due == add_working_days(today, 1)


def test_resume_moves_the_deadline_by_the_working_days_spent_waiting(world, mediator):
    due = dt.date(2026, 12, 31)
    waited_from = timezone.now() - dt.timedelta(days=9)
    case = _case(
        world, Status.WAITING, assigned_officer=mediator, due_date=due, waiting_since=waited_from
    )
    case = services.case_transition(case=case, name="resume", actor=mediator)
    paused = working_days_between(timezone.localdate(waited_from), timezone.localdate())
    assert paused >= 5
    assert case.due_date == add_working_days(due, paused)
    assert case.waiting_since is None


def test_waiting_cases_are_not_overdue(world, mediator):
    past = timezone.localdate() - dt.timedelta(days=3)
    assert _case(world, Status.IN_PROGRESS, due_date=past).is_overdue
    assert not _case(world, Status.WAITING, due_date=past).is_overdue
    assert not _case(world, Status.RESOLVED, due_date=past).is_overdue


# ------------------------------------------------------------------ concurrency


def test_a_stale_version_is_told_to_reload(world, mediator, supervisor):
    case = _case(world, assigned_officer=mediator)
    stale = Case.objects.get(pk=case.pk)
    services.case_transition(case=case, name="accept", actor=mediator)
    with pytest.raises(ConcurrentChange) as conflict:
        services.case_transition(case=stale, name="reject", actor=supervisor, reason="dup")
    assert "changed by someone else" in conflict.value.messages[0]
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_expected_version_from_a_form_wins_over_the_instance(world, mediator):
    case = _case(world, assigned_officer=mediator)
    with pytest.raises(ConcurrentChange):
        services.case_transition(case=case, name="accept", actor=mediator, expected_version=7)


# ------------------------------------------------------------------ registration


def test_register_issues_sequential_references_and_a_hashed_code(world, mediator):
    first = services.case_register(
        actor=mediator,
        organisation=world.committee_a,
        category=category("noise"),
        place=world.building_a,
        channel=Channel.WALK_IN,
        description="楼上装修噪音，晚上十点以后还在施工。",
        parties=[PartyData(name="王建国", phone="13812345678"), PartyData(name="  ")],
    )
    second = services.case_register(
        actor=mediator,
        organisation=world.committee_a,
        category=category("noise"),
        place=world.building_a,
        channel=Channel.PHONE,
        description="Again.",
    )
    year = timezone.localdate().year
    assert first.case.reference == f"{year}-000001"
    assert second.case.reference == f"{year}-000002"
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{12}", first.status_code)
    assert first.status_code not in first.case.status_code_hash
    assert status_codes.status_code_matches(first.case, first.status_code.lower())
    assert not status_codes.status_code_matches(first.case, second.status_code)
    assert first.case.status == Status.REGISTERED
    assert list(first.case.parties.values_list("name", flat=True)) == ["王建国"]
    event = first.case.events.get()
    assert (event.kind, event.to_status, event.is_public) == ("registered", "registered", True)


def test_register_refuses_a_place_outside_the_users_area(world, mediator):
    with pytest.raises(ActionForbidden):
        services.case_register(
            actor=mediator,
            organisation=world.committee_a,
            category=category(),
            place=world.estate_b,
            channel=Channel.WALK_IN,
            description="x",
        )


def test_register_refuses_an_empty_description(world, mediator):
    with pytest.raises(TransitionRefused, match="Describe what happened"):
        services.case_register(
            actor=mediator,
            organisation=world.committee_a,
            category=category(),
            place=world.building_a,
            channel=Channel.WALK_IN,
            description="   ",
        )
    assert not Case.objects.exists()


# ------------------------------------------------------------- assignment, notes


def test_assign_records_an_event_and_mails_the_officer(
    world, supervisor, mediator, mailoutbox, django_capture_on_commit_callbacks
):
    case = _case(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_assign(case=case, officer=mediator, actor=supervisor)
    case.refresh_from_db()
    assert case.assigned_officer == mediator
    event = case.events.get()
    assert event.kind == EventKind.ASSIGNMENT
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [mediator.email]
    assert case.reference in mailoutbox[0].subject
    assert f"/cases/{case.pk}/" in mailoutbox[0].body


def test_assign_refuses_an_officer_from_another_area(world, supervisor, outsider):
    case = _case(world)
    with pytest.raises(TransitionRefused, match="work in the case's area"):
        services.case_assign(case=case, officer=outsider, actor=supervisor)


def test_a_mediator_may_take_an_unassigned_case_but_not_reassign(world, mediator, colleague):
    case = _case(world)
    case = services.case_assign(case=case, officer=mediator, actor=mediator)
    with pytest.raises(ActionForbidden):
        services.case_assign(case=case, officer=colleague, actor=colleague)


def test_notes_are_internal_by_default_and_refused_on_archived_cases(world, mediator, supervisor):
    case = _case(world, assigned_officer=mediator)
    note = services.case_add_note(case=case, actor=mediator, text="Called the builder.")
    assert note.is_public is False
    archived = _case(world, Status.ARCHIVED)
    with pytest.raises(TransitionRefused, match="read-only"):
        services.case_add_note(case=archived, actor=supervisor, text="late")


def test_an_outsider_cannot_add_notes(world, outsider):
    with pytest.raises(ActionForbidden):
        services.case_add_note(case=_case(world), actor=outsider, text="hi")


# ------------------------------------------------------------------------ merge


def test_merge_keeps_every_complainant_and_closes_the_duplicates(world, mediator):
    target = _case(world, Status.IN_PROGRESS, assigned_officer=mediator)
    PartyFactory(case=target, name="王建国", phone="13800000001")
    dup1 = _case(world)
    PartyFactory(case=dup1, name="李梅", phone="13800000002")
    PartyFactory(case=dup1, name="王建国", phone="13800000001")  # already on the target
    dup2 = _case(world)
    PartyFactory(case=dup2, name="张伟", phone="13800000003")

    services.case_merge(target=target, duplicates=[dup1, dup2], actor=mediator)

    names = sorted(target.parties.values_list("name", flat=True))
    assert names == ["张伟", "李梅", "王建国"]
    assert Party.objects.get(case=target, name="李梅").merged_from == dup1
    for dup in (dup1, dup2):
        dup.refresh_from_db()
        assert (dup.status, dup.merged_into, dup.outcome) == ("merged", target, "duplicate")
        assert dup.parties.count() >= 1  # the duplicate's own record stays intact
    assert len(target.events.get(kind=EventKind.MERGE).params["refs"]) == 2


def test_merge_is_all_or_nothing(world, mediator):
    target = _case(world, Status.IN_PROGRESS, assigned_officer=mediator)
    fine = _case(world)
    not_registered = _case(world, Status.IN_PROGRESS, assigned_officer=mediator)
    with pytest.raises(TransitionRefused):
        services.case_merge(target=target, duplicates=[fine, not_registered], actor=mediator)
    fine.refresh_from_db()
    assert fine.status == Status.REGISTERED
    assert not CaseEvent.objects.filter(case__in=[target, fine]).exists()


def test_merge_refuses_a_closed_target_and_itself(world, mediator):
    dup = _case(world)
    with pytest.raises(TransitionRefused, match="open case"):
        services.case_merge(target=_case(world, Status.CLOSED), duplicates=[dup], actor=mediator)
    with pytest.raises(TransitionRefused, match="itself"):
        services.case_merge(target=dup, duplicates=[dup], actor=mediator)
