"""What DOMAIN.md §5 and §8 ask of the record: minutes with points of disagreement,
procedural incidents and each signer's role (in the snapshot, on the page and in the
PDF/A, checked with pdftotext); the archive register's format and permanent retention;
a hearing's notice of about 10 days."""

import subprocess

import pytest
from django.conf import settings
from django.urls import reverse

from consultation import services
from consultation.models import ArchiveRecord, MeetingKind, MinutesSignerRole
from consultation.models.meetings import meeting_rule
from tests.factories import InviteeFactory, MeetingFactory, MinutesFactory
from tests.jobs import run_archive_jobs


@pytest.fixture
def held(case, mediator):
    meeting = MeetingFactory(case=case, held=True, chair="张主任", recorder="李记录")
    InviteeFactory(meeting=meeting, name="张主任", category="resident")
    InviteeFactory(meeting=meeting, name="李记录", category="resident")
    InviteeFactory(meeting=meeting, name="王阿姨", affiliation="3号楼101")
    return meeting


def _approve(held, mediator):
    minutes = MinutesFactory(meeting=held)
    services.minutes_update(
        minutes=minutes,
        actor=mediator,
        summary="讨论加装电梯井道位置。",
        disagreements="一楼住户反对现方案，认为影响采光。",
        procedural_incidents="一楼住户代表中途离席十分钟。",
        expected_version=minutes.version,
    )
    minutes.refresh_from_db()
    minutes = services.minutes_transition(minutes=minutes, name="circulate", actor=mediator)
    for invitee in held.invitees.filter(attended=True).order_by("pk"):
        services.signature_record(minutes=minutes, actor=mediator, invitee=invitee, refused=False)
    minutes = services.minutes_transition(minutes=minutes, name="approve", actor=mediator)
    assert run_archive_jobs() == ["done"]  # the worker, after the commit
    return minutes


def test_signers_sign_in_their_role_and_the_pdf_prints_the_new_sections(held, mediator, tmp_path):
    minutes = _approve(held, mediator)
    roles = {s["name"]: s["role"] for s in minutes.snapshot["signatures"]}
    assert roles == {
        "张主任": MinutesSignerRole.CHAIR,
        "李记录": MinutesSignerRole.RECORDER,
        "王阿姨": MinutesSignerRole.ATTENDEE,
    }
    assert minutes.snapshot["disagreements"] == "一楼住户反对现方案，认为影响采光。"
    path = tmp_path / "minutes.pdf"
    path.write_bytes(minutes.archive_record.file.read())
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "分歧意见" in text and "一楼住户反对现方案" in text
    assert "程序性事项" in text and "中途离席十分钟" in text
    assert "主持人" in text and "记录员" in text


def test_an_explicit_role_wins_and_a_bad_one_is_refused(held, mediator):
    from core.exceptions import TransitionRefused

    minutes = MinutesFactory(meeting=held, circulated=True)
    wang = held.invitees.get(name="王阿姨")
    signature = services.signature_record(
        minutes=minutes, actor=mediator, invitee=wang, refused=False, role="chair"
    )
    assert signature.role == MinutesSignerRole.CHAIR
    with pytest.raises(TransitionRefused):
        services.signature_record(
            minutes=minutes, actor=mediator, invitee=wang, refused=False, role="boss"
        )


def test_the_minutes_page_shows_and_saves_the_new_sections(client, held, mediator):
    minutes = MinutesFactory(meeting=held)
    client.force_login(mediator)
    client.post(
        reverse("consultation:minutes_edit", args=[minutes.pk]),
        {
            "version": minutes.version,
            "summary": "摘要",
            "disagreements": "对费用分摊有分歧。",
            "procedural_incidents": "休会十五分钟。",
        },
    )
    minutes.refresh_from_db()
    assert (minutes.disagreements, minutes.procedural_incidents) == (
        "对费用分摊有分歧。",
        "休会十五分钟。",
    )
    body = client.get(reverse("consultation:minutes_detail", args=[minutes.pk])).content.decode()
    assert "Points of disagreement" in body and "Procedural incidents" in body
    assert "对费用分摊有分歧。" in body


def test_the_register_records_the_format_and_permanent_retention(held, mediator, settings):
    rules = {**settings.LINLI["MEETING_RULES"]}
    rules[held.kind] = {**rules[held.kind], "retention_years": "permanent"}
    settings.LINLI = {**settings.LINLI, "MEETING_RULES": rules}
    minutes = _approve(held, mediator)
    record = ArchiveRecord.objects.get(minutes=minutes)
    assert record.format == "PDF/A-3b"
    assert record.retention_years is None and record.is_permanent
    assert str(record.retention_label) == "permanent"


def test_a_hearing_is_noticed_about_ten_days_ahead():
    assert meeting_rule(MeetingKind.HEARING)["notice_lead_days"] == 10
    assert settings.LINLI["MEETING_RULES"]["hearing"]["notice_lead_days"] == 10
