"""Return visits (回访) after resolution and the first contact with the resident
(DOMAIN.md §2-3): due on working days, in the officers' queues, chased once by the sweep,
recorded on the three measures; a case closes only after one (or the resident's rating)
and an unsatisfied one offers reopening."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from casework import event_text, selectors, services
from casework.models import Case, CaseEvent, CaseReturnVisit, EventKind, Rating, Status
from casework.sla import sla_sweep
from core.exceptions import ActionForbidden, TransitionRefused
from tests.factories import make_case

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hour=10):
    return time_machine.travel(dt.datetime(y, m, d, hour, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def resolved_on_30_september(world, mediator):
    """A case resolved on Wednesday 30 September 2026, the eve of National Day."""
    with at(2026, 9, 28):
        case = make_case(
            Status.IN_PROGRESS,
            place=world.building_a,
            organisation=world.committee_a,
            assigned_officer=mediator,
        )
    with at(2026, 9, 30):
        case = services.case_transition(
            case=case, name="resolve", actor=mediator, outcome="resolved", summary="已解决。"
        )
    return case


def _visit(case, actor, **kw):
    data = {
        "manner": "phone",
        "reached": True,
        "efficiency": 5,
        "attitude": 5,
        "result": 4,
        "satisfied": True,
        "residents_words": "施工已经停了，谢谢。",
    }
    return services.case_return_visit_record(case=case, actor=actor, **{**data, **kw})


def test_the_return_visit_is_due_the_next_working_day_after_national_day(
    resolved_on_30_september,
):
    assert resolved_on_30_september.return_visit_due == dt.date(2026, 10, 8)


def test_a_case_cannot_close_before_its_return_visit(
    resolved_on_30_september, mediator, supervisor
):
    case = resolved_on_30_september
    with at(2026, 10, 8), pytest.raises(TransitionRefused, match="Record the return visit"):
        services.case_transition(case=case, name="close", actor=supervisor)
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    with at(2026, 10, 8):
        _visit(case, mediator)
        case.refresh_from_db()  # the visit moved the case's version on
        case = services.case_transition(case=case, name="close", actor=supervisor)
    assert case.status == Status.CLOSED


def test_the_residents_own_rating_also_lets_it_close(resolved_on_30_september, supervisor):
    case = resolved_on_30_september
    with at(2026, 10, 9):
        Rating.objects.create(case=case, efficiency=4, attitude=4, result=4, satisfied=True)
        case = services.case_transition(case=case, name="close", actor=supervisor)
    assert case.status == Status.CLOSED


def test_a_visit_before_a_reopening_does_not_count_for_the_next_resolution(
    resolved_on_30_september, mediator, supervisor
):
    case = resolved_on_30_september
    with at(2026, 10, 8):
        _visit(case, mediator, satisfied=False, result=1, residents_words="还在吵。")
        case.refresh_from_db()
        case = services.case_transition(case=case, name="reopen", actor=mediator, reason="不满意")
        case = services.case_transition(case=case, name="start_work", actor=mediator)
    with at(2026, 10, 9):
        case = services.case_transition(
            case=case, name="resolve", actor=mediator, outcome="resolved", summary="再次处理。"
        )
        assert case.return_visit_due == dt.date(2026, 10, 10)  # make-up Saturday
        with pytest.raises(TransitionRefused, match="Record the return visit"):
            services.case_transition(case=case, name="close", actor=supervisor)


def test_a_reached_visit_needs_the_three_measures_and_a_not_reached_one_none(
    resolved_on_30_september, mediator, outsider
):
    case = resolved_on_30_september
    with at(2026, 10, 8):
        with pytest.raises(TransitionRefused) as refused:
            _visit(case, mediator, efficiency=None, satisfied=None)
        assert len(refused.value.messages) == 2
        with pytest.raises(ActionForbidden):
            _visit(case, outsider)
        visit = _visit(case, mediator, reached=False, efficiency=5, residents_words="")
    assert (visit.reached, visit.efficiency, visit.satisfied) == (False, None, None)
    assert CaseReturnVisit.objects.count() == 1
    event = case.events.get(kind=EventKind.RETURN_VISIT)
    assert "not reached" in event_text.full_text(event) and not event.is_public


def test_the_sweep_chases_an_overdue_return_visit_once(resolved_on_30_september, mediator, capsys):
    case = resolved_on_30_september
    with at(2026, 10, 8):  # the due day: not overdue yet
        assert sla_sweep().return_visits_overdue == 0
    with at(2026, 10, 9):
        first, second = sla_sweep(), sla_sweep()
        call_command("sla_sweep")
    assert (first.return_visits_overdue, first.return_visits_chased) == (1, 1)
    assert (second.return_visits_overdue, second.return_visits_chased) == (1, 0)
    assert "case return visits overdue 1, chased now 0" in capsys.readouterr().out
    chase = CaseEvent.objects.get(case=case, kind=EventKind.CHASE)
    assert "return visit" in event_text.full_text(chase) and "2026-10-08" in event_text.full_text(
        chase
    )
    with at(2026, 10, 12):
        _visit(case, mediator)
        assert sla_sweep().return_visits_overdue == 0


def test_first_contact_is_flagged_and_chased(world, mediator, supervisor, colleague):
    with at(2026, 9, 29):
        case = make_case(Status.REGISTERED, place=world.building_a, organisation=world.committee_a)
        case = services.case_transition(case=case, name="accept", actor=mediator)
        services.case_assign(case=case, officer=mediator, actor=mediator)
    case.refresh_from_db()
    assert case.first_contact_due == dt.date(2026, 9, 30)
    with at(2026, 10, 8):
        case.refresh_from_db()
        assert case.first_contact_overdue
        result = sla_sweep()
        assert (result.first_contacts_overdue, result.first_contacts_chased) == (1, 1)
        assert sla_sweep().first_contacts_chased == 0
        # In the officer's queue and the supervisor's, not in a colleague's.
        until = dt.date(2026, 10, 8)
        assert list(selectors.first_contacts_due_for(mediator, until)) == [case]
        assert list(selectors.first_contacts_due_for(supervisor, until)) == [case]
        assert not selectors.first_contacts_due_for(colleague, until).exists()
        services.case_transition(case=case, name="start_work", actor=mediator)
        assert not selectors.first_contacts_due_for(mediator, until).exists()
        assert sla_sweep().first_contacts_overdue == 0
    chase = CaseEvent.objects.get(case=case, kind=EventKind.CHASE)
    text = event_text.full_text(chase)
    assert "First contact" in text and "2026-09-30" in text


def test_the_queue_and_the_case_page_show_the_return_visit(
    client, resolved_on_30_september, mediator
):
    case = resolved_on_30_september
    client.force_login(mediator)
    with at(2026, 10, 9):
        dash = client.get(reverse("casework:home")).content.decode()
        page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "Follow-ups" in dash and case.reference in dash and "Return visit" in dash
    assert "Return visit due 2026-10-08" in page and "Record a return visit" in page


def test_an_unsatisfied_visit_offers_reopening(client, resolved_on_30_september, mediator):
    case = resolved_on_30_september
    client.force_login(mediator)
    with at(2026, 10, 8):
        response = client.post(
            reverse("casework:case_return_visit", args=[case.pk]),
            {
                "manner": "home",
                "reached": "yes",
                "efficiency": "3",
                "attitude": "4",
                "result": "1",
                "satisfied": "no",
                "residents_words": "晚上还在施工。",
                "version": case.version,
            },
            follow=True,
        )
    body = response.content.decode()
    assert "The resident is not satisfied. Reopen the case?" in body
    assert "晚上还在施工。" in body
    assert reverse("casework:case_transition", args=[case.pk, "reopen"]) in body
    visit = CaseReturnVisit.objects.get(case=case)
    assert (visit.efficiency, visit.attitude, visit.result, visit.satisfied) == (3, 4, 1, False)


def test_cases_resolved_before_return_visits_existed_get_their_due_date(world):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "casework.migrations.0034_return_visit_due_for_resolved_cases"
    )
    resolved_at = dt.datetime(2026, 9, 30, 10, tzinfo=dt.UTC)
    old = make_case(Status.RESOLVED, place=world.building_a, organisation=world.committee_a)
    Case.objects.filter(pk=old.pk).update(resolved_at=resolved_at, return_visit_due=None)
    migration.forwards(apps, None)
    old.refresh_from_db()
    # Resolved on 09-30 (Beijing time): one working day after, over National Day → 10-08.
    assert old.return_visit_due == dt.date(2026, 10, 8)
    assert old in selectors.pending_return_visits(Case.objects.all())
