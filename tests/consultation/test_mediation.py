"""People's mediation (DOMAIN.md §4): numbering, the rights notice, session records and
their signatures, the agreement and when it takes effect, the judicial-confirmation
reminder, ending without agreement, extensions, return visits and the sweep, and the
one-case-one-dossier archive checked with the real PDF tools."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from casework import services as case_services
from casework.event_text import full_text
from casework.models import CaseEvent, EventKind, OrgKind, Outcome, PartyRole, Status
from consultation import services as ms
from consultation.models import (
    ArchiveRecord,
    JudicialStatus,
    Mediation,
    MediationStatus,
    Performance,
    Satisfaction,
    dossier_checklist,
)
from consultation.services import archive as archive_services
from core.exceptions import ActionForbidden, TransitionRefused
from tests.factories import (
    AgreementFactory,
    MediationFactory,
    MediationSessionFactory,
    MeetingFactory,
    OrganisationFactory,
    PartyFactory,
    make_case,
)
from tests.jobs import run_archive_jobs

# Mid-morning, Shanghai: the tests move the clock in whole days from here.
START = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, check=False, timeout=120)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def mediation(case, parties):
    """A registered mediation of the case, the mediator its mediator."""
    return MediationFactory(case=case)


# ------------------------------------------------------------------ numbering


def test_numbers_read_committee_prefix_and_serial_per_year(
    clock, world, mediator, mediation, settings
):
    # No committee recorded for the place: the street's name, never the product's (#23).
    assert mediation.committee == "新华路街道人民调解委员会"
    assert mediation.number == "（2026）新华路人调字第1号"
    other = make_case(Status.IN_PROGRESS, place=world.building_a, organisation=world.committee_a)
    second = ms.mediation_register(case=other, actor=mediator, mediators=[mediator], matters="噪音")
    assert second.number == "（2026）新华路人调字第2号"
    settings.LINLI = {
        **settings.LINLI,
        "MEDIATION": {**settings.LINLI["MEDIATION"], "NUMBER_PREFIX": "番禺"},
    }
    clock.move_to(dt.datetime(2027, 1, 4, 9, 0, tzinfo=START.tzinfo))
    third_case = make_case(
        Status.IN_PROGRESS, place=world.building_a, organisation=world.committee_a
    )
    third = ms.mediation_register(
        case=third_case, actor=mediator, mediators=[mediator], matters="停车"
    )
    assert third.number == "（2027）番禺人调字第1号"
    with pytest.raises(TransitionRefused, match="already has a mediation"):
        ms.mediation_register(case=other, actor=mediator, mediators=[mediator], matters="x")


def test_the_committee_is_the_one_recorded_for_the_place(world, mediator, clock):
    """The mediation committee covering the case's place issues its papers (#23)."""
    OrganisationFactory(
        name="番禺居民区人民调解委员会", kind=OrgKind.MEDIATION_COMMITTEE, places=[world.area_a]
    )
    case = make_case(Status.IN_PROGRESS, place=world.building_a, organisation=world.committee_a)
    mediation = ms.mediation_register(
        case=case, actor=mediator, mediators=[mediator], matters="漏水"
    )
    assert mediation.committee == "番禺居民区人民调解委员会"
    assert mediation.number == "（2026）番禺人调字第1号"


def test_mediators_must_work_in_the_area(case, parties, mediator, outsider):
    with pytest.raises(TransitionRefused, match="area"):
        ms.mediation_register(case=case, actor=mediator, mediators=[outsider], matters="x")


# ------------------------------------------------------- notice and sessions


def test_mediating_needs_the_rights_notice_and_both_sides(case, mediator):
    PartyFactory(case=case, role=PartyRole.APPLICANT, name="王秀兰")  # no respondent
    mediation = MediationFactory(case=case)  # and no notice recorded
    with pytest.raises(TransitionRefused) as refused:
        ms.mediation_transition(mediation=mediation, name="start", actor=mediator)
    messages = " ".join(refused.value.messages)
    assert "rights and duties" in messages and "respondent" in messages
    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.REGISTERED


def test_a_session_record_is_complete_only_when_everyone_signed_or_refused(case, mediator, parties):
    mediation = MediationFactory(case=case, mediating=True)
    applicant, respondent = parties
    session = MediationSessionFactory(mediation=mediation, participants=[applicant, respondent])
    records = {i.key: i for i in dossier_checklist(mediation)}["records"]
    assert records.state == "missing" and "王秀兰" in records.detail
    with pytest.raises(TransitionRefused, match="why"):
        ms.sign(record=session, actor=mediator, signer_key=f"p{respondent.pk}", refused=True)
    ms.sign(record=session, actor=mediator, signer_key=f"p{applicant.pk}")
    ms.sign(
        record=session, actor=mediator, signer_key=f"p{respondent.pk}", refused=True, note="拒签"
    )
    ms.sign(record=session, actor=mediator, signer_key=f"u{mediator.pk}")
    with pytest.raises(TransitionRefused, match="already recorded"):
        ms.sign(record=session, actor=mediator, signer_key=f"p{applicant.pk}")
    assert {i.key: i for i in dossier_checklist(mediation)}["records"].state == "present"


def test_staff_sign_only_for_themselves(case, mediator, colleague, parties, supervisor):
    mediation = MediationFactory(case=case, mediating=True)
    session = MediationSessionFactory(mediation=mediation, mediator=mediator, recorder=colleague)
    with pytest.raises(ActionForbidden):
        ms.sign(record=session, actor=mediator, signer_key=f"u{colleague.pk}")
    # A colleague who is not one of the mediation's mediators may not keep its record.
    with pytest.raises(ActionForbidden):
        ms.sign(record=session, actor=colleague, signer_key=f"u{colleague.pk}")
    ms.mediation_set_mediators(
        mediation=mediation, actor=supervisor, mediators=[mediator, colleague]
    )
    ms.sign(record=session, actor=colleague, signer_key=f"u{colleague.pk}")


# ------------------------------------------------------------------ agreement


def test_an_agreement_missing_a_party_signature_is_not_in_effect(case, mediator, parties):
    mediation = MediationFactory(case=case, mediating=True)
    MediationSessionFactory(mediation=mediation, signed=True)
    agreement = AgreementFactory(mediation=mediation)
    applicant, _respondent = parties
    ms.sign(record=agreement, actor=mediator, signer_key=f"p{applicant.pk}")
    ms.sign(record=agreement, actor=mediator, signer_key=f"u{mediator.pk}")
    ms.agreement_seal(agreement=agreement, actor=mediator)
    agreement.refresh_from_db()
    mediation.refresh_from_db()
    assert agreement.effective_at is None and not agreement.in_effect
    assert mediation.status == MediationStatus.MEDIATING
    assert agreement.unmet() == ["陈建国 (Respondent) has not signed."]
    assert not ArchiveRecord.objects.filter(agreement=agreement).exists()
    # Nor can a party refuse the agreement: that ends the mediation instead.
    with pytest.raises(TransitionRefused, match="end the mediation"):
        ms.sign(record=agreement, actor=mediator, signer_key=f"p{_respondent.pk}", refused=True)
    # The words are fixed once anyone has signed.
    with pytest.raises(TransitionRefused, match="can no longer change"):
        AgreementFactory(mediation=mediation)


def test_the_agreement_takes_effect_when_complete_and_is_filed_with_a_copy_each(
    case, parties, tmp_path
):
    applicant, respondent = parties
    mediation = MediationFactory(case=case, mediating=True)
    MediationSessionFactory(mediation=mediation, signed=True)
    agreement = AgreementFactory(
        mediation=mediation,
        in_effect=True,  # every party and the mediator signed, the seal marked
        performance_deadline=dt.date(2026, 3, 22),
        obligations=[
            (respondent, "支付维修费用人民币一千二百元，并修复防水层。"),
            (applicant, "配合入户检修。"),
        ],
    )
    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.AGREED
    assert agreement.effective_at == timezone.now()
    assert agreement.judicial_deadline == dt.date(2026, 4, 1)  # 30 days on
    # 22 March + 15 days is 6 April, the 清明 day off: the next working day (Art. 85).
    assert mediation.return_visit_due == dt.date(2026, 4, 7)
    record = ArchiveRecord.objects.get(agreement=agreement)
    path = tmp_path / "agreement.pdf"
    path.write_bytes(record.file.read())
    text = run("pdftotext", "-layout", str(path), "-").stdout.decode()
    assert text.count("人民调解协议书") >= 3
    # One copy per party plus one for the file, each on its own page.
    assert "第 1 份，共 3 份" in text and "申请人 王秀兰" in text
    assert "第 2 份，共 3 份" in text and "被申请人 陈建国" in text
    assert "第 3 份，共 3 份" in text and "调解委员会存档" in text
    assert "支付维修费用人民币一千二百元" in text
    pages = run("pdfinfo", str(path)).stdout.decode()
    assert int(pages.split("Pages:")[1].split()[0]) >= 3
    public = CaseEvent.objects.filter(case=mediation.case, is_public=True, kind=EventKind.MEDIATION)
    assert any("Agreement takes effect" in full_text(e) for e in public)


def test_the_judicial_confirmation_reminder_appears_and_disappears(
    clock, client, case, mediator, supervisor
):
    mediation = MediationFactory(case=case, mediating=True)
    page = reverse("casework:case_detail", args=[case.pk])
    client.force_login(supervisor)
    assert "judicial confirmation" not in client.get(page).content.decode()
    agreement = AgreementFactory(mediation=mediation, in_effect=True)
    for when, visible in ((0, True), (30, True), (31, False)):
        clock.move_to(START + dt.timedelta(days=when))
        client.force_login(supervisor)  # the idle timeout would have signed us out
        body = client.get(page).content.decode()
        dash = client.get(reverse("casework:home")).content.decode()
        assert ("Joint judicial confirmation" in body) is visible, when
        assert (mediation.number in dash and "judicial confirmation" in dash) is visible, when
    clock.move_to(START + dt.timedelta(days=10))
    assert (
        "30 days" in client.get(page).content.decode()
        or "20 days" in client.get(page).content.decode()
    )
    ms.judicial_record(
        agreement=agreement,
        actor=mediator,
        status=JudicialStatus.FILED,
        recorded_on=timezone.localdate(),
    )
    assert "Joint judicial confirmation" not in client.get(page).content.decode()
    assert mediation.number not in client.get(reverse("casework:home")).content.decode()
    with pytest.raises(TransitionRefused, match="already recorded"):
        ms.judicial_record(
            agreement=agreement,
            actor=mediator,
            status=JudicialStatus.DECLINED,
            recorded_on=timezone.localdate(),
        )


# ------------------------------------------------------- ending, time limits


def test_ending_without_agreement_requires_the_routes_told(case, mediator):
    mediation = MediationFactory(case=case, mediating=True)
    with pytest.raises(TransitionRefused, match="routes"):
        ms.mediation_transition(
            mediation=mediation, name="end_without_agreement", actor=mediator, reason="no_agreement"
        )
    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.MEDIATING
    ms.mediation_transition(
        mediation=mediation,
        name="end_without_agreement",
        actor=mediator,
        reason="no_agreement",
        routes=["litigation", "administrative"],
        note="被申请人拒绝赔偿",
    )
    mediation.refresh_from_db()
    assert mediation.status == MediationStatus.ENDED
    assert mediation.told_litigation and mediation.told_administrative
    assert not mediation.told_arbitration
    checklist = {i.key: i.state for i in dossier_checklist(mediation)}
    assert checklist["agreement"] == "not_applicable"
    assert checklist["return_visit"] == "not_applicable"
    assert checklist["routes"] == "present"


def test_the_database_refuses_an_ending_without_routes(mediation):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Mediation.objects.filter(pk=mediation.pk).update(status="ended")


def test_the_time_limit_extends_only_with_both_sides_consent(case, mediator, parties):
    mediation = MediationFactory(case=case, mediating=True)  # started on 2 March
    assert mediation.due_date == dt.date(2026, 4, 2)  # one month (民法典 Art. 202), not 30 days
    applicant, respondent = parties
    with pytest.raises(TransitionRefused, match="陈建国"):
        ms.extension_record(
            mediation=mediation,
            actor=mediator,
            new_due=dt.date(2026, 4, 15),
            reason="等待鉴定结果",
            consenting=[applicant],
            consent_manner="written",
        )
    ms.extension_record(
        mediation=mediation,
        actor=mediator,
        new_due=dt.date(2026, 4, 15),
        reason="等待鉴定结果",
        consenting=[applicant, respondent],
        consent_manner="written",
    )
    mediation.refresh_from_db()
    assert mediation.due_date == dt.date(2026, 4, 15)
    assert mediation.extensions.get().previous_due == dt.date(2026, 4, 2)


def test_overdue_return_visits_appear_in_the_sla_sweep_once(
    clock, case, mediator, capsys, mailoutbox
):
    mediation = MediationFactory(case=case, mediating=True)
    AgreementFactory(mediation=mediation, in_effect=True, performance_deadline=dt.date(2026, 3, 22))
    clock.move_to(START + dt.timedelta(days=36))  # 7 April is the due day: not yet overdue
    call_command("sla_sweep")
    assert "return visits overdue 0" in capsys.readouterr().out
    clock.move_to(START + dt.timedelta(days=37))
    call_command("sla_sweep")
    assert "return visits overdue 1, chased now 1" in capsys.readouterr().out
    call_command("sla_sweep")
    assert "return visits overdue 1, chased now 0" in capsys.readouterr().out
    chases = CaseEvent.objects.filter(case=mediation.case, kind=EventKind.CHASE)
    assert chases.count() == 1 and "return visit" in full_text(chases.get())
    ms.return_visit_record(
        mediation=mediation,
        actor=mediator,
        visited_on=timezone.localdate(),
        manner="电话回访",
        performance=Performance.PERFORMED,
        satisfaction=Satisfaction.SATISFIED,
    )
    call_command("sla_sweep")
    assert "return visits overdue 0" in capsys.readouterr().out


def test_a_return_visit_short_of_performance_says_what_was_done(case, mediator):
    mediation = MediationFactory(case=case, agreed=True)
    with pytest.raises(TransitionRefused, match="what was done"):
        ms.return_visit_record(
            mediation=mediation,
            actor=mediator,
            visited_on=timezone.localdate(),
            manner="上门",
            performance=Performance.PARTLY,
            satisfaction=Satisfaction.BASICALLY,
        )


# --------------------------------------------------------- case and dossier


def _resolve_and_close(case, mediator, supervisor):
    case_services.case_transition(
        case=case,
        name="resolve",
        actor=mediator,
        outcome=Outcome.MEDIATION_AGREEMENT,
        summary="达成调解协议",
    )
    case.refresh_from_db()
    case_services.case_return_visit_record(
        case=case,
        actor=mediator,
        manner="phone",
        reached=True,
        efficiency=5,
        attitude=5,
        result=5,
        satisfied=True,
    )
    case.refresh_from_db()
    case_services.case_transition(case=case, name="close", actor=supervisor, note="回访满意")
    case.refresh_from_db()


def test_the_case_waits_for_its_mediation_and_its_dossier(case, mediator, supervisor):
    mediation = MediationFactory(case=case, mediating=True)
    with pytest.raises(TransitionRefused, match="still under way"):
        case_services.case_transition(
            case=case, name="resolve", actor=mediator, outcome="resolved", summary="x"
        )
    MediationSessionFactory(mediation=mediation, signed=True)
    AgreementFactory(mediation=mediation, in_effect=True)
    case.refresh_from_db()
    case_services.case_transition(
        case=case, name="resolve", actor=mediator, outcome=Outcome.MEDIATION_AGREEMENT, summary="x"
    )
    case.refresh_from_db()
    with pytest.raises(TransitionRefused) as refused:
        case_services.case_transition(case=case, name="close", actor=supervisor, note="回访")
    assert "Record the return visit" in refused.value.messages[0]  # the case's own 回访
    case_services.case_return_visit_record(case=case, actor=mediator, manner="phone", reached=False)
    case.refresh_from_db()
    with pytest.raises(TransitionRefused) as refused:
        case_services.case_transition(case=case, name="close", actor=supervisor, note="回访")
    message = refused.value.messages[0]
    assert "Return-visit record" in message and "Closing report" in message
    assert "Rights and duties notice" not in message


def test_a_case_cannot_be_archived_while_a_dossier_item_is_missing(
    case, mediator, supervisor, archivist
):
    mediation = MediationFactory(
        case=case, agreed=True, visited=True, closing_report="协议已履行，结案。"
    )
    case.refresh_from_db()
    _resolve_and_close(case, mediator, supervisor)
    # A linked coordination meeting held without approved minutes leaves a gap.
    meeting = MeetingFactory(case=case, held=True, topic="漏水协调")
    mediation.refresh_from_db()
    with pytest.raises(TransitionRefused) as refused:
        ms.dossier_archive(mediation=mediation, actor=archivist)
    assert "Minutes of linked meetings" in refused.value.messages[0]
    assert meeting.reference in refused.value.messages[0]
    with pytest.raises(TransitionRefused) as refused:
        case_services.case_transition(case=case, name="archive", actor=archivist)
    assert "Minutes of linked meetings" in refused.value.messages[0]
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert not ArchiveRecord.objects.filter(dossier=mediation).exists()
    with pytest.raises(ActionForbidden):
        ms.dossier_archive(mediation=mediation, actor=mediator)


def test_the_dossier_pdf_passes_the_real_tools(
    case, mediator, supervisor, archivist, tmp_path, capsys
):
    mediation = MediationFactory(
        case=case, agreed=True, visited=True, closing_report="协议已履行，双方满意，结案。"
    )
    case.refresh_from_db()
    _resolve_and_close(case, mediator, supervisor)
    mediation.refresh_from_db()
    ms.dossier_archive(mediation=mediation, actor=archivist)
    assert run_archive_jobs() == ["done"]  # the worker, after the commit
    record = ArchiveRecord.objects.get(dossier=mediation)
    case.refresh_from_db()
    assert case.status == Status.ARCHIVED
    assert record.dossier == mediation and record.retention_years == 10

    path = tmp_path / "dossier.pdf"
    path.write_bytes(record.file.read())
    text = run("pdftotext", "-layout", str(path), "-").stdout.decode()
    for expected in (
        "人民调解卷宗",
        mediation.number,
        "目录",
        "权利义务告知",
        "卫生间天花板渗水，已持续两周。",  # the session record (MediationSessionFactory's)
        "支付维修费用人民币一千二百元",  # the agreement (AgreementFactory's)
        "电话回访",  # the return visit (MediationFactory's visited=True)
        "协议已履行，双方满意，结案。",  # the closing report
        "案件日志",  # the event log
        case.reference,
    ):
        assert expected in text, expected
    assert "138****1234" in text and "13812341234" not in text  # phones masked

    fonts = run("pdffonts", str(path)).stdout.decode().splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts
    check = run("qpdf", "--check", str(path))
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()
    xmp = run("pdfinfo", "-meta", str(path)).stdout.decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp or 'pdfaid:part="3"' in xmp, xmp
    out = tmp_path / "dossier.json"
    assert run("pdfdetach", "-save", "1", "-o", str(out), str(path)).returncode == 0
    data = json.loads(out.read_text())
    assert data["number"] == mediation.number
    assert {i["key"]: i["state"] for i in data["checklist"]}["minutes"] == "not_applicable"

    # The checksum is in the register and verifiable.
    checked, findings = archive_services.verify()
    assert checked == 2 and findings == []  # the agreement and the dossier
    from pathlib import Path

    from django.core.management import CommandError

    stored = Path(record.file.path)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0x01
    stored.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="1 of 2"):
        call_command("verify_archive")
    assert record.archival_number in capsys.readouterr().err


def test_the_case_page_says_which_dossier_items_keep_it_open(client, case, mediator, supervisor):
    MediationFactory(case=case, agreed=True)
    case.refresh_from_db()
    case_services.case_transition(
        case=case, name="resolve", actor=mediator, outcome=Outcome.MEDIATION_AGREEMENT, summary="x"
    )
    client.force_login(supervisor)
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "The mediation dossier is incomplete" in page
    assert "Return-visit record" in page and "Closing report" in page
    # Not offered as an action: shown disabled, with what is missing beside it.
    assert "/transition/close/" not in page
    assert 'id="why-close"' in page


def _pre_wrap_paragraphs(html: str) -> list[str]:
    """The contents of the PDF's ``p.text`` paragraphs, which print their white space
    (``white-space: pre-wrap`` in pdf.css): a template line break there is a blank line."""
    import re

    return re.findall(r'<p class="text">(.*?)</p>', html, re.S)


def test_the_agreement_and_dossier_print_no_stray_lines_around_their_texts(
    case, parties, archivist
):
    from django.template.loader import render_to_string

    from consultation.documents import mediation as mediation_pdf

    agreement = AgreementFactory(mediation__case=case, in_effect=True)
    mediation = agreement.mediation
    snapshot = mediation_pdf.agreement_snapshot(agreement)
    copies = [{"index": i, "holder": h} for i, h in enumerate(snapshot["copies"], start=1)]
    html = render_to_string("consultation/pdf/agreement.html", {"a": snapshot, "copies": copies})
    dossier = render_to_string(
        "consultation/pdf/dossier.html",
        {"d": mediation_pdf.dossier_snapshot(mediation, compiler=archivist)},
    )
    for rendered in (html, dossier):
        texts = _pre_wrap_paragraphs(rendered)
        assert texts and all(t == t.strip() for t in texts), [t for t in texts if t != t.strip()]
    sentence = f"This agreement is made in {len(copies)} copies"
    closing = [t for t in _pre_wrap_paragraphs(html) if t.startswith(sentence)]
    assert len(closing) == len(copies) and "\n" not in closing[0]  # one sentence, one line


def test_deidentification_past_retention_keeps_the_archived_dossier_verifiable(
    clock, case, mediator, supervisor, archivist
):
    """PIPL Art. 47 para. 2 (#27): the signed, archived dossier is kept as the archival
    rules require and still verifies; the case's own personal fields are cleared."""
    from casework import deidentify
    from casework.models import Party

    mediation = MediationFactory(case=case, agreed=True, visited=True, closing_report="已履行。")
    case.refresh_from_db()
    _resolve_and_close(case, mediator, supervisor)
    mediation.refresh_from_db()
    ms.dossier_archive(mediation=mediation, actor=archivist)
    assert run_archive_jobs() == ["done"]  # the worker, after the commit
    names = set(case.parties.values_list("name", flat=True))
    assert names and names != {"某某"}

    clock.shift(dt.timedelta(days=6 * 365))
    run = deidentify.deidentify()
    assert case.pk in run.cases["identity"]
    assert set(Party.objects.filter(case=case).values_list("name", flat=True)) == {"某某"}
    assert set(Party.objects.filter(case=case).values_list("phone", flat=True)) == {""}
    checked, findings = archive_services.verify()
    assert checked == 2 and findings == []
    call_command("verify_archive")
