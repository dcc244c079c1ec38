"""People's mediation periods that hold in law: the judicial-confirmation window counted as
民事诉讼法 Art. 85 counts it (and a late filing explained and flagged), the one-month time
limit as 民法典 Art. 202 counts months, and no agreement before a session record
(人民调解法 Art. 27), with the check that lists older data in the wrong order."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from casework import event_text
from consultation import services as ms
from consultation.models import Agreement, JudicialStatus, MediationSession
from core.exceptions import TransitionRefused
from tests.factories import AgreementFactory, MediationFactory, MediationSessionFactory

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def agreed_on_1_september(case, parties, mediator):
    with time_machine.travel(at(dt.date(2026, 8, 25)), tick=False):
        mediation = MediationFactory(case=case, mediating=True)
        # The session on 25 August; the agreement signed and sealed on 1 September.
        MediationSessionFactory(mediation=mediation, actor=mediator, signed=True)
    with time_machine.travel(at(dt.date(2026, 9, 1)), tick=False):
        agreement = AgreementFactory(
            mediation=mediation, in_effect=True, performance_deadline=dt.date(2026, 9, 30)
        )
    return agreement


def test_the_window_runs_to_the_first_working_day_after_national_day(
    client, agreed_on_1_september, mediator
):
    agreement = agreed_on_1_september
    # 30 days from 1 September end on 1 October (National Day); off until 7 October.
    assert agreement.judicial_deadline == dt.date(2026, 10, 8)
    page = reverse("consultation:mediation_detail", args=[agreement.mediation.pk])
    client.force_login(mediator)
    for day, reminded in [
        (dt.date(2026, 10, 2), True),  # the old +30 reminder had gone by now
        (dt.date(2026, 10, 8), True),  # the legal last day
        (dt.date(2026, 10, 9), False),
    ]:
        with time_machine.travel(at(day), tick=False):
            body = client.get(page).content.decode()
            dash = client.get(reverse("casework:home")).content.decode()
        assert ("Joint judicial confirmation" in body) is reminded, day
        assert (agreement.mediation.number in dash) is reminded, day
    with time_machine.travel(at(dt.date(2026, 10, 9)), tick=False):
        body = client.get(page).content.decode()
    assert "The window for joint judicial confirmation ended 2026-10-08" in body


def test_a_late_filing_needs_its_reason_and_is_flagged(client, agreed_on_1_september, mediator):
    agreement = agreed_on_1_september
    with time_machine.travel(at(dt.date(2026, 10, 12)), tick=False):
        with pytest.raises(TransitionRefused, match="after the legal last day \\(2026-10-08\\)"):
            ms.judicial_record(
                agreement=agreement,
                actor=mediator,
                status=JudicialStatus.FILED,
                recorded_on=dt.date(2026, 10, 12),
            )
        agreement.refresh_from_db()
        assert agreement.judicial_status == JudicialStatus.PENDING
        ms.judicial_record(
            agreement=agreement,
            actor=mediator,
            status=JudicialStatus.FILED,
            recorded_on=dt.date(2026, 10, 12),
            late_reason="当事人节后才到法院窗口提交。",
        )
        agreement.refresh_from_db()
        assert agreement.judicial_late and agreement.judicial_late_reason
        client.force_login(mediator)
        case_page = client.get(reverse("casework:case_detail", args=[agreement.mediation.case.pk]))
        assert "Filed after the legal last day" in case_page.content.decode()
        assert "当事人节后才到法院窗口提交。" in case_page.content.decode()
        events = [event_text.full_text(e) for e in agreement.mediation.case.events.all()]
        assert any("after the legal last day" in n and "节后" in n for n in events)


def test_a_filing_on_the_legal_last_day_is_in_time(agreed_on_1_september, mediator):
    agreement = agreed_on_1_september
    with time_machine.travel(at(dt.date(2026, 10, 8)), tick=False):
        ms.judicial_record(
            agreement=agreement,
            actor=mediator,
            status=JudicialStatus.FILED,
            recorded_on=dt.date(2026, 10, 8),
        )
    agreement.refresh_from_db()
    assert not agreement.judicial_late


def test_the_time_limit_is_one_calendar_month(case, parties):
    with time_machine.travel(at(dt.date(2026, 1, 31)), tick=False):
        mediation = MediationFactory(case=case, mediating=True)
    assert mediation.due_date == dt.date(2026, 2, 28)


def test_the_agreement_cannot_be_signed_or_sealed_before_a_session(case, parties, mediator):
    mediation = MediationFactory(case=case, mediating=True)
    agreement = ms.agreement_draft(
        mediation=mediation,
        actor=mediator,
        facts="漏水。",
        disputed_matters="费用。",
        performance_manner="支付",
        performance_place="居委会",
        performance_deadline=dt.date.today() + dt.timedelta(days=20),
        obligations=[(parties[1], "支付维修费。")],
    )
    with pytest.raises(TransitionRefused, match="No session is recorded yet"):
        ms.sign(record=agreement, actor=mediator, signer_key=f"p{parties[0].pk}")
    with pytest.raises(TransitionRefused, match="No session is recorded yet"):
        ms.agreement_seal(agreement=agreement, actor=mediator)
    assert not agreement.signatures.exists()
    assert Agreement.objects.get(pk=agreement.pk).sealed_at is None
    assert any("No session is recorded yet" in u for u in agreement.unmet())
    MediationSessionFactory(mediation=mediation, actor=mediator, signed=True)
    ms.sign(record=agreement, actor=mediator, signer_key=f"p{parties[0].pk}")
    assert agreement.signatures.count() == 1


def test_the_check_lists_agreements_before_their_first_session(
    agreed_on_1_september, capsys, mediator
):
    call_command("check_mediation_chronology")
    assert "Every agreement follows a session record." in capsys.readouterr().out
    # Data from before the rule: the only session dated after the agreement took effect.
    MediationSession.objects.filter(mediation=agreed_on_1_september.mediation).update(
        held_at=at(dt.date(2026, 9, 3))
    )
    with pytest.raises(CommandError, match="1 agreement"):
        call_command("check_mediation_chronology")
    out = capsys.readouterr().out
    assert agreed_on_1_september.mediation.number in out
    assert "first session 2026-09-03" in out
    # Listed, never rewritten.
    assert MediationSession.objects.get(mediation=agreed_on_1_september.mediation).held_at == at(
        dt.date(2026, 9, 3)
    )


def test_a_late_filing_is_listed_in_the_reports(
    client, agreed_on_1_september, mediator, supervisor
):
    agreement = agreed_on_1_september
    with time_machine.travel(at(dt.date(2026, 10, 12)), tick=False):
        ms.judicial_record(
            agreement=agreement,
            actor=mediator,
            status=JudicialStatus.FILED,
            recorded_on=dt.date(2026, 10, 12),
            late_reason="节后才提交。",
        )
    client.force_login(supervisor)
    with time_machine.travel(at(dt.date(2026, 11, 2)), tick=False):
        body = client.get(
            reverse("casework:reports"), {"start": "2026-10-01", "end": "2026-10-31"}
        ).content.decode()
    assert "Judicial confirmation filed after the legal last day" in body
    assert agreement.mediation.number in body and "节后才提交。" in body
    assert "2026-10-08" in body
