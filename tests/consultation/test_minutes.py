"""Minutes: approval freezes them, a correction is a new version, and the archived PDF/A
is checked with the real tools (pdftotext, pdffonts, qpdf, pdfdetach)."""

import json
import subprocess
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from consultation import services
from consultation.models import ArchiveRecord, Minutes, MinutesStatus
from core import pdf
from core.exceptions import ImmutableRecord, TransitionRefused
from core.models import Job
from tests.factories import InviteeFactory, MeetingFactory, MinutesFactory
from tests.jobs import run_archive_jobs


@pytest.fixture
def held(case, mediator):
    """A held meeting and its record: two of three invitees came, 王阿姨 spoke against the
    plan, a motion carried and the property company is to bring a new plan."""
    meeting = MeetingFactory(case=case, held=True)
    wang = InviteeFactory(meeting=meeting, name="王阿姨", affiliation="3号楼101")
    InviteeFactory(meeting=meeting, category="property_company", name="李经理")
    InviteeFactory(meeting=meeting, category="observer", name="缺席者", attended=False)
    services.agenda_add(meeting=meeting, actor=mediator, title="电梯井位置方案")
    services.statement_add(
        meeting=meeting,
        actor=mediator,
        speaker=wang,
        stance="oppose",
        text="一楼住户担心采光和噪音，要求调整井道位置。",
    )
    services.motion_add(
        meeting=meeting,
        actor=mediator,
        text="同意按修改后方案施工",
        votes_for=2,
        votes_against=0,
        abstentions=0,
    )
    services.decision_add(
        meeting=meeting, actor=mediator, text="物业公司于月底前提交井道位置修改方案。"
    )
    return meeting


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, check=False, timeout=60)


def test_approval_needs_every_attendee_to_sign_or_refuse(held, mediator):
    minutes = MinutesFactory(meeting=held, circulated=True)
    wang, li = held.invitees.filter(attended=True).order_by("id")
    services.signature_record(minutes=minutes, actor=mediator, invitee=wang, refused=False)
    with pytest.raises(TransitionRefused, match="Every attendee must sign"):
        services.minutes_transition(minutes=minutes, name="approve", actor=mediator)
    with pytest.raises(TransitionRefused, match="why the attendee refused"):
        services.signature_record(minutes=minutes, actor=mediator, invitee=li, refused=True)
    services.signature_record(
        minutes=minutes, actor=mediator, invitee=li, refused=True, note="对方案有保留意见"
    )
    approved = services.minutes_transition(minutes=minutes, name="approve", actor=mediator)
    assert approved.status == MinutesStatus.APPROVED
    assert [s["refused"] for s in approved.snapshot["signatures"]] == [False, True]


def test_approved_minutes_cannot_change_anywhere(held, mediator):
    minutes = MinutesFactory(meeting=held, approved=True, summary="会议纪要摘要。")
    # The model
    minutes.summary = "篡改"
    with pytest.raises(ImmutableRecord):
        minutes.save()
    with pytest.raises(ImmutableRecord):
        minutes.delete()
    # The service layer (form path) and the meeting's record behind it
    with pytest.raises(TransitionRefused, match="Only draft minutes"):
        services.minutes_update(
            minutes=Minutes.objects.get(pk=minutes.pk),
            actor=mediator,
            summary="篡改",
            expected_version=Minutes.objects.get(pk=minutes.pk).version,
        )
    with pytest.raises(TransitionRefused, match="only in a draft"):
        services.decision_add(meeting=held, actor=mediator, text="事后补充的决定")
    # The admin
    request = RequestFactory().get("/")
    request.user = mediator
    model_admin = admin.site._registry[Minutes]
    assert not model_admin.has_change_permission(request, minutes)
    assert not model_admin.has_delete_permission(request, minutes)
    stored = Minutes.objects.get(pk=minutes.pk)
    assert stored.summary == "会议纪要摘要。" and stored.snapshot == minutes.snapshot


def test_a_correction_is_version_two_and_keeps_version_one(held, mediator):
    first = MinutesFactory(meeting=held, approved=True)
    first_record = first.archive_record
    first_bytes = first_record.file.read()
    with pytest.raises(TransitionRefused, match="reason"):
        services.minutes_correct(minutes=first, actor=mediator, reason=" ")
    second = services.minutes_correct(minutes=first, actor=mediator, reason="决定的期限记错了")
    assert (second.number, second.status, second.corrects_id) == (2, MinutesStatus.DRAFT, first.pk)
    # While the correction is a draft, the record may be put right.
    decision = held.decisions.get()
    decision.text = "物业公司于下月10日前提交井道位置修改方案。"
    decision.save()
    second = services.minutes_transition(minutes=second, name="circulate", actor=mediator)
    for attendee in held.invitees.filter(attended=True):
        services.signature_record(minutes=second, actor=mediator, invitee=attendee, refused=False)
    second = services.minutes_transition(minutes=second, name="approve", actor=mediator)
    run_archive_jobs()
    first.refresh_from_db()
    assert first.superseded_by_id == second.pk
    assert first.status == MinutesStatus.APPROVED  # still readable, as it was
    assert "月底前" in first.snapshot["decisions"][0]
    assert "下月10日前" in second.snapshot["decisions"][0]
    assert second.snapshot["corrects_version"] == 1
    assert ArchiveRecord.objects.count() == 2
    first_record.file.open("rb")
    assert first_record.file.read() == first_bytes  # version 1's archived file untouched


def test_the_archived_pdf_passes_the_real_tools(held, tmp_path):
    minutes = MinutesFactory(meeting=held, approved=True)
    record = minutes.archive_record
    path = tmp_path / "minutes.pdf"
    path.write_bytes(record.file.read())

    text = run("pdftotext", "-layout", str(path), "-").stdout.decode()
    assert "一楼住户担心采光和噪音" in text  # a statement
    assert "物业公司于月底前提交井道位置修改方案" in text  # a decision
    assert held.reference in text  # header
    # Page X of Y in the document's language only (#23: no "· page 1 of 2" after it).
    assert "第1页共" in text.replace(" ", "") and "page" not in text.lower()

    fonts = run("pdffonts", str(path)).stdout.decode().splitlines()[2:]
    assert fonts, "no fonts listed"
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # "emb" column
    assert all("Noto" in line for line in fonts)

    check = run("qpdf", "--check", str(path))
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()

    xmp = run("pdfinfo", "-meta", str(path)).stdout.decode()  # the XMP metadata stream
    assert "<pdfaid:part>3</pdfaid:part>" in xmp or 'pdfaid:part="3"' in xmp, xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp or 'pdfaid:conformance="B"' in xmp

    listing = run("pdfdetach", "-list", str(path)).stdout.decode()
    assert "minutes-" in listing and ".json" in listing
    out = tmp_path / "data.json"
    assert run("pdfdetach", "-save", "1", "-o", str(out), str(path)).returncode == 0
    assert json.loads(out.read_text()) == minutes.snapshot


def test_html_and_urls_in_text_print_as_text_and_nothing_is_fetched(case, mediator):
    meeting = MeetingFactory(
        case=case,
        held=True,
        invitees=1,
        topic='<img src="file:///etc/passwd"> <link rel=stylesheet href="https://evil.example/x.css">',
    )
    speaker = meeting.invitees.get()
    services.statement_add(
        meeting=meeting,
        actor=mediator,
        speaker=speaker,
        stance="information",
        text='<img src="http://169.254.169.254/latest/meta-data"> <b>粗体</b>',
    )
    minutes = MinutesFactory(meeting=meeting)
    from consultation.documents import minutes as snapshot

    fetcher = pdf.NoFetcher()
    content = snapshot.minutes_pdf(snapshot.build(minutes), fetcher=fetcher)
    assert fetcher.refused == []  # nothing was even attempted
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        text = run("pdftotext", handle.name, "-").stdout.decode()
    assert '<img src="file:///etc/passwd">' in text
    assert "169.254.169.254" in text and "<b>粗体</b>" in text
    assert "root:x:0:0" not in text


def test_verify_archive_passes_then_fails_after_one_byte_changes(held, capsys):
    minutes = MinutesFactory(meeting=held, approved=True)
    call_command("verify_archive")
    assert "1 archived files verified" in capsys.readouterr().out
    path = Path(minutes.archive_record.file.path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="1 of 1"):
        call_command("verify_archive")
    assert "CHANGED" in capsys.readouterr().err


def test_verify_archive_reports_a_missing_file(held, capsys):
    minutes = MinutesFactory(meeting=held, approved=True)
    import os

    os.remove(minutes.archive_record.file.path)
    with pytest.raises(CommandError):
        call_command("verify_archive")
    assert "MISSING" in capsys.readouterr().err


def test_without_a_cjk_font_the_archive_job_fails_clearly_and_waits_for_a_retry(
    monkeypatch, held, mediator
):
    """The PDF is made by a worker (#21), which may be another machine than the one that
    approves: the approval stands, and the job's failure names the missing font."""
    monkeypatch.setattr(pdf, "cjk_font_available", lambda: False)
    minutes = MinutesFactory(meeting=held, signed=True)
    services.minutes_transition(minutes=minutes, name="approve", actor=mediator)
    assert Minutes.objects.get(pk=minutes.pk).status == MinutesStatus.APPROVED
    assert run_archive_jobs() == ["pending"]  # retried after the backoff
    job = Job.objects.get(kind="archive.minutes")
    assert "fonts-noto-cjk" in job.last_error and job.attempts == 1
    assert not ArchiveRecord.objects.exists()


def test_system_check_warns_without_font_or_subsetter(monkeypatch):
    from core.checks import pdf_fonts_check

    assert pdf_fonts_check(None) == []
    monkeypatch.setattr(pdf, "cjk_font_available", lambda: False)
    monkeypatch.setattr(pdf, "harfbuzz_subset_available", lambda: False)
    assert {w.id for w in pdf_fonts_check(None)} == {"linli.W010", "linli.W011"}


def test_garbage_is_collected_after_the_response_not_during_the_render(
    client, held, mediator, monkeypatch
):
    calls = []
    # Record whether each collection happens inside the request or after it finished.
    monkeypatch.setattr(
        pdf.gc, "collect", lambda *a: calls.append(pdf._pending_collect.__dict__.get("in_request"))
    )
    minutes = MinutesFactory(meeting=held)
    client.force_login(mediator)
    response = client.get(f"/meetings/minutes/{minutes.pk}/pdf/")
    assert response.content.startswith(b"%PDF-")
    assert calls == [False]  # once, after the request finished
    pdf.html_to_pdf("<p>x</p>", title="t")  # outside a request: collected at once
    assert calls == [False, False]


def test_the_minutes_pdf_prints_no_stray_lines_around_statements_and_decisions(held, mediator):
    import re

    from django.template.loader import render_to_string

    from consultation.documents import minutes as snapshot

    minutes = MinutesFactory(meeting=held, approved=True)
    html = render_to_string("consultation/pdf/minutes.html", {"m": snapshot.build(minutes)})
    # p.text prints its white space (pre-wrap): a template line break there is a blank line.
    texts = re.findall(r'<p class="text">(.*?)</p>', html, re.S)
    assert len(texts) >= 2 and all(t == t.strip() for t in texts), texts
    assert any("一楼住户担心采光和噪音" in t for t in texts)
