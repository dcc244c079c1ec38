"""#19's posted notices (公示) on #23's document frame: a ballot's result, a meeting's result
and the elevator plan's publicity each print the letterhead of the organisation that issues
papers for the place, their own document number (drawn when posted, the same on every
print), the Chinese date line, no English, embedded SC fonts, PDF/A-3 — and a QR code
that decodes to the notice's public page. Page 1 of each is kept as a PNG."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.selectors import issuing_organisation
from consultation import services
from consultation.documents import notices
from consultation.models import BallotCampaign, PublicityKind
from core.models import YearSequence
from tests.consultation.test_paper import assert_official, decode_qr, examine
from tests.factories import BallotCampaignFactory, MeetingFactory, StairwellFactory

SITE = "https://linli.example.gov.cn"
NUMBER = re.compile(r"公示〔\d{4}〕\d+号")


@pytest.fixture
def site(settings):
    settings.LINLI = {**settings.LINLI, "SITE_URL": SITE}


@pytest.fixture
def stairwell(world):
    return StairwellFactory(parent=world.building_a, name="1单元", floors=3)


def published_ballot(case, stairwell, mediator):
    campaign = BallotCampaignFactory(
        case=case, scope=stairwell, counted=True, votes=["object"] + ["agree"] * 5
    )
    campaign = services.ballot_transition(campaign=campaign, name="declare_passed", actor=mediator)
    return services.ballot_transition(campaign=campaign, name="publish", actor=mediator)


def printed(client, notice, tmp_path, kind: str) -> tuple[bytes, str]:
    client.logout()  # the paper is public, by its code
    response = client.get(reverse("notices:notice_pdf", args=[notice.code]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content, examine(response.content, tmp_path, kind)


def assert_notice(content, text, notice, tmp_path, *, issuer: str, title: str):
    flat = text.replace(" ", "")
    assert NUMBER.fullmatch(notice.document_number), notice.document_number
    assert_official(text, issuer=issuer, number=notice.document_number)
    assert title in flat
    first = notice.starts_on
    assert f"{first.year}年{first.month}月{first.day}日" in flat, "Chinese date"
    assert decode_qr(content, tmp_path) == [SITE + reverse("notices:notice", args=[notice.code])]


def test_a_ballot_result_notice_prints_on_the_frame_with_its_number_and_qr(
    client, site, case, stairwell, mediator, world, tmp_path
):
    campaign = published_ballot(case, stairwell, mediator)
    notice = campaign.publicities.get(kind=PublicityKind.BALLOT_RESULT)
    content, text = printed(client, notice, tmp_path, "notice-ballot-result")
    flat = text.replace(" ", "")
    assert_notice(
        content,
        text,
        notice,
        tmp_path,
        issuer=issuing_organisation(stairwell),
        title="表决结果公示",
    )
    assert "结论：通过。" in flat and "102、201" in flat
    assert "业主101" not in flat and "采光受影响" not in flat, "no owner's name on the board"
    # The number is the record's: printed again, the paper carries the same one.
    again = examine(printed(client, notice, tmp_path, "again")[0], tmp_path, "again")
    assert notice.document_number in again.replace(" ", "")


def test_a_meeting_result_notice_prints_on_the_frame_with_its_number_and_qr(
    client, site, case, mediator, world, tmp_path
):
    meeting = MeetingFactory(case=case, held=True)
    notice = services.meeting_result_post(
        meeting=meeting, actor=mediator, summary="会议议定事项公示"
    )
    content, text = printed(client, notice, tmp_path, "notice-meeting-result")
    assert_notice(
        content,
        text,
        notice,
        tmp_path,
        issuer=issuing_organisation(meeting.place),
        title="会议结果公示",
    )
    assert "会议议定事项公示" in text.replace(" ", "")


def test_the_elevator_planning_notice_prints_on_the_frame_with_its_number_and_qr(
    client, site, case, stairwell, mediator, world, tmp_path
):
    campaign = published_ballot(case, stairwell, mediator)
    campaign.publicities.filter(kind="ballot_result").update(
        starts_on=timezone.localdate() - dt.timedelta(days=9),
        ends_on=timezone.localdate() - dt.timedelta(days=1),
    )
    BallotCampaign.objects.filter(pk=campaign.pk).update(
        objection_deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    campaign.refresh_from_db()
    notice = services.elevator_plan_post(
        campaign=campaign, actor=mediator, kind="planning", summary="井道设于北侧，详见图纸。"
    )
    content, text = printed(client, notice, tmp_path, "notice-elevator-planning")
    assert_notice(
        content,
        text,
        notice,
        tmp_path,
        issuer=issuing_organisation(stairwell),
        title="加装电梯规划公示",
    )
    assert "井道设于北侧" in text.replace(" ", "")


def test_notices_are_numbered_in_order_from_one_yearly_sequence(case, stairwell, mediator):
    campaign = published_ballot(case, stairwell, mediator)
    meeting = MeetingFactory(case=case, held=True)
    second = services.meeting_result_post(meeting=meeting, actor=mediator, summary="结果")
    first = campaign.publicities.get(kind=PublicityKind.BALLOT_RESULT)
    year = first.starts_on.year
    assert first.document_number == f"公示〔{year}〕1号"
    assert second.document_number == f"公示〔{year}〕2号"
    assert YearSequence.objects.get(name="doc:publicity", year=year).last == 2
    assert notices.notice_public_url(first).endswith(f"/notices/{first.code}/")


def test_archival_pdfs_are_tagged_pdf_a_3a_with_a_reading_order_when_set(
    client, site, settings, case, mediator, world, tmp_path
):
    """#23's tagged PDFs: PDF/A-3 level A (accessible) — the XMP says part 3 conformance
    A, the catalogue marks the document tagged with a structure tree in the document's
    language, the margins (running heads, footer) are artefacts, and qpdf finds no
    error. veraPDF is not installable here; WeasyPrint's CI runs it on these variants."""
    import subprocess

    settings.LINLI = {**settings.LINLI, "PDF_TAGGED": True}
    meeting = MeetingFactory(case=case, held=True)
    notice = services.meeting_result_post(meeting=meeting, actor=mediator, summary="结果公示")
    content, _text = printed(client, notice, tmp_path, "tagged")
    path = tmp_path / "tagged.pdf"
    path.write_bytes(content)
    xmp = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True).stdout.decode()
    assert 'pdfaid:conformance="A"' in xmp or "<pdfaid:conformance>A<" in xmp
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True).stdout.decode()
    assert re.search(r"Tagged:\s+yes", info)
    assert subprocess.run(["qpdf", "--check", str(path)], capture_output=True).returncode == 0
    flat = tmp_path / "flat.pdf"
    subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(path), str(flat)], check=True)
    raw = flat.read_bytes()
    assert b"/StructTreeRoot" in raw and b"/Lang (zh-Hans)" in raw
    assert b"/S /H" in raw and b"/S /P" in raw  # the title and the paragraphs in order
    assert b"/Artifact" in raw  # the running heads and the page footer

    settings.LINLI = {**settings.LINLI, "PDF_TAGGED": False}  # the default: level B
    content, _text = printed(client, notice, tmp_path, "untagged")
    path.write_bytes(content)
    xmp = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True).stdout.decode()
    assert 'pdfaid:conformance="B"' in xmp or "<pdfaid:conformance>B<" in xmp
