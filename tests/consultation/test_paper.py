"""Paper that looks official (#23): every document kind printed through the one frame,
checked with the real tools — pdftotext for the letterhead, the number, Chinese-order
names, Chinese punctuation and no stray English; pdffonts for embedded fonts; pdfinfo for
the PDF/A identification and the page count; a QR code decoded with zxing-cpp. Page 1 of
each kind is kept as a PNG beside the end-to-end artefacts (``pdf-pages/``) for the eye."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from casework import documents as case_documents
from casework import status_codes
from casework.models import PartyRole, Status
from casework.selectors import issuing_organisation
from consultation.documents import mediation as mediation_documents
from consultation.documents import minutes as minutes_documents
from consultation.documents import notices
from consultation.models import ArchiveRecord
from consultation.services import archive as archive_services
from tests.factories import (
    AgreementFactory,
    BallotCampaignFactory,
    InviteeFactory,
    MediationFactory,
    MeetingFactory,
    MinutesFactory,
    PartyFactory,
    make_case,
)
from tests.report_pdf import fetch_report_pdf

START = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PAGES = Path(os.environ.get("LINLI_E2E_ARTIFACTS", "var/e2e-artifacts")) / "pdf-pages"
# Latin words a Chinese document may print: proper nouns and codes (the archive prefix).
ALLOWED_LATIN = {"LL"}


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def chinese_staff(mediator):
    """The mediator with a Chinese name, so its printed order can be checked."""
    mediator.first_name, mediator.last_name = "晓燕", "张"
    mediator.save(update_fields=["first_name", "last_name"])
    return mediator


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, timeout=60, check=False)


def examine(content: bytes, tmp_path: Path, kind: str) -> str:
    """The real tools' view of a PDF: fonts embedded, PDF/A-3 identified, qpdf content;
    page 1 kept as a PNG; returns its text (layout kept)."""
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(content)
    fonts = run("pdffonts", str(path)).stdout.decode().splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts
    # Only the Simplified Chinese face: nothing (chart labels included) falls back to JP.
    assert all("Noto-Sans-CJK-SC" in line for line in fonts), fonts
    xmp = run("pdfinfo", "-meta", str(path)).stdout.decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp or 'pdfaid:part="3"' in xmp
    check = run("qpdf", "--check", str(path))
    assert check.returncode == 0, check.stdout.decode()
    PAGES.mkdir(parents=True, exist_ok=True)
    run(
        "pdftoppm",
        "-r",
        "60",
        "-png",
        "-f",
        "1",
        "-l",
        "1",
        "-singlefile",
        str(path),
        str(PAGES / kind),
    )
    return run("pdftotext", "-layout", str(path), "-").stdout.decode()


def pages(content: bytes, tmp_path: Path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(content)
    return int(run("pdfinfo", str(path)).stdout.decode().split("Pages:")[1].split()[0])


def latin_words(text: str) -> set[str]:
    text = re.sub(r"https?://\S+", "", text)
    return set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_LATIN


def assert_official(text: str, *, issuer: str, number: str):
    flat = text.replace(" ", "")
    assert issuer in flat, "letterhead"
    assert number.replace(" ", "") in flat, "document number"
    assert "第1页共" in flat and "page" not in text.lower(), "one-language footer"
    assert "邻里街道" not in flat, "the product's name is not an organisation"
    assert not latin_words(text), latin_words(text)


def test_minutes_print_letterhead_number_and_signature_blocks(
    clock, case, chinese_staff, world, tmp_path
):
    meeting = MeetingFactory(case=case, held=True)
    InviteeFactory(meeting=meeting, name="王秀兰", affiliation="3号楼201")
    minutes = MinutesFactory(meeting=meeting, approved=True)
    number = minutes.snapshot["document_number"]
    assert re.fullmatch(r"纪要〔2026〕\d+号", number)
    record = minutes.archive_record
    text = examine(record.file.read(), tmp_path, "minutes")
    assert_official(text, issuer=world.committee_a.name, number=number)
    flat = text.replace(" ", "").replace("\n", "")
    assert "2026年3月2日" in flat  # the date line, GB/T 9704 style
    # The signature table: printed name, room to sign by hand, how it was recorded.
    assert "签名" in flat and "由张晓" in flat and "登记" in flat  # the cell wraps
    assert "王秀兰" in flat
    # A re-render prints the same number: it is frozen in the snapshot.
    with translation.override("zh-hans"):
        again = pdf_text(minutes_documents.minutes_pdf(minutes.snapshot), tmp_path)
    assert number in again.replace(" ", "")


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "again.pdf"
    path.write_bytes(content)
    return run("pdftotext", "-layout", str(path), "-").stdout.decode()


def test_the_draft_minutes_say_so_in_chinese_only(client, clock, case, chinese_staff, tmp_path):
    meeting = MeetingFactory(case=case, held=True)
    minutes = MinutesFactory(meeting=meeting)
    client.force_login(chinese_staff)
    response = client.get(
        reverse("consultation:minutes_pdf", args=[minutes.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    text = pdf_text(response.content, tmp_path)
    assert "草稿" in text and "draft" not in text.lower()
    english = client.get(
        reverse("consultation:minutes_pdf", args=[minutes.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    text = pdf_text(english.content, tmp_path)
    assert "DRAFT" in text and "草稿" not in text and "Page 1 of" in text


@pytest.mark.parametrize("parties", [2, 3])
def test_the_agreement_prints_one_page_per_copy(
    clock, case, chinese_staff, world, tmp_path, parties
):
    """Two or three parties plus the committee's file: as many pages as copies, each copy
    starting on its own page (the text fits one)."""
    PartyFactory(case=case, role=PartyRole.APPLICANT, name="王秀兰", address="3号楼201")
    PartyFactory(case=case, role=PartyRole.RESPONDENT, name="陈建国", address="3号楼301")
    if parties == 3:
        PartyFactory(case=case, role=PartyRole.RESPONDENT, name="李国强", address="3号楼401")
    mediation = MediationFactory(case=case, with_parties=False, mediating=True)
    agreement = AgreementFactory(mediation=mediation, in_effect=True)
    record = ArchiveRecord.objects.get(agreement=agreement)
    content = record.file.read()
    text = examine(content, tmp_path, f"agreement-{parties}")
    assert_official(text, issuer="新华路街道人民调解委员会", number=mediation.number)
    copies = parties + 1
    assert pages(content, tmp_path) == copies
    by_page = text.split("\f")
    for i in range(copies):
        assert f"第 {i + 1} 份，共 {copies} 份" in by_page[i], i  # each copy opens its page
        assert "人民调解协议书" in by_page[i]
    assert "张晓燕" in text


def test_the_dossier_cover_is_an_archival_cover(clock, world, chinese_staff, tmp_path, settings):
    settings.LINLI = {**settings.LINLI, "ARCHIVE_FONDS": "Z158"}
    case = make_case(Status.IN_PROGRESS, place=world.building_a, organisation=world.committee_a)
    mediation = MediationFactory(case=case, agreed=True)
    number = archive_services.next_archival_number(2026)
    with translation.override("zh-hans"):
        content = mediation_documents.dossier_pdf(
            mediation, compiler=chinese_staff, archival_number=number
        )
    text = examine(content, tmp_path, "dossier")
    cover = text.split("\f")[0].replace(" ", "")
    total = pages(content, tmp_path)
    assert "全宗号" in cover and "Z158" in cover
    assert "档号" in cover and number in cover
    assert "保管期限" in cover or "保存期限" in cover or "10年" in cover
    assert f"共{total}页" in cover  # the page count of the whole file, two-pass
    assert "新华路街道人民调解委员会" in cover and mediation.number.replace(" ", "") in cover


def test_the_ballot_result_is_numbered_under_the_letterhead(clock, world, tmp_path):
    campaign = BallotCampaignFactory(published=True)
    record = ArchiveRecord.objects.get(ballot=campaign)
    text = examine(record.file.read(), tmp_path, "ballot-result").replace(" ", "")
    assert re.search(r"表决〔2026〕\d+号", text)
    assert issuing_organisation(campaign.scope).replace(" ", "") in text


def test_the_report_title_follows_its_range_and_the_chart_speaks_sc(
    client, clock, world, supervisor, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)
    response = fetch_report_pdf(
        client, django_capture_on_commit_callbacks, {"start": "2025-01-01", "end": "2025-12-31"}
    )
    assert response.status_code == 200
    text = examine(b"".join(response.streaming_content), tmp_path, "report")
    flat = text.replace(" ", "")
    assert "年度报表" in flat and "月度报表" not in flat
    assert "新华路街道办事处" in flat
    assert "各月受理和办结数" in flat or "受理" in flat  # the chart's labels are text


def decode_qr(content: bytes, tmp_path: Path) -> list[str]:
    """The QR codes on page 1, as zxing-cpp reads them from a 150 dpi greyscale scan."""
    import zxingcpp

    path = tmp_path / "qr.pdf"
    path.write_bytes(content)
    run(
        "pdftoppm",
        "-r",
        "150",
        "-gray",
        "-f",
        "1",
        "-l",
        "1",
        "-singlefile",
        str(path),
        str(tmp_path / "qr"),
    )
    raw = (tmp_path / "qr.pgm").read_bytes()
    magic, width, height, maxval, pixels = raw.split(maxsplit=4)
    assert magic == b"P5" and maxval == b"255"
    image = memoryview(pixels).cast("B", (int(height), int(width)))
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_the_meeting_notice_is_a4_large_type_with_a_qr_code(
    client, clock, case, mediator, world, tmp_path, settings
):
    settings.LINLI = {**settings.LINLI, "SITE_URL": "https://linli.example.gov.cn"}
    meeting = MeetingFactory(case=case, kind="hearing")
    client.force_login(mediator)
    response = client.get(reverse("consultation:meeting_notice_pdf", args=[meeting.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = examine(response.content, tmp_path, "meeting-notice")
    flat = text.replace(" ", "")
    assert "关于召开听证会的通知" in flat
    assert meeting.topic.replace(" ", "") in flat and meeting.venue.replace(" ", "") in flat
    assert "报名" in flat  # how to take part
    assert_official(text, issuer=world.committee_a.name, number=meeting.reference)
    assert decode_qr(response.content, tmp_path) == [
        "https://linli.example.gov.cn" + reverse("portal:submit")
    ]
    assert notices.meeting_public_url(meeting).startswith("https://linli.example.gov.cn")


def test_the_receipt_prints_the_code_only_when_it_matches_and_never_in_the_qr(
    client, clock, world, mediator, tmp_path, settings
):
    settings.LINLI = {**settings.LINLI, "SITE_URL": "https://linli.example.gov.cn"}
    case = make_case(Status.IN_PROGRESS, place=world.building_a, organisation=world.committee_a)
    code = status_codes.new_status_code()
    case.status_code_hash = status_codes.hash_status_code(code)
    case.save(update_fields=["status_code_hash"])
    client.force_login(mediator)
    url = reverse("casework:case_receipt_pdf", args=[case.pk])

    printed = client.post(url, {"status_code": code})
    text = examine(printed.content, tmp_path, "receipt").replace(" ", "")
    assert case.reference in text and code in text and "诉求受理回执" in text
    assert "no-store" in printed["Cache-Control"]
    assert decode_qr(printed.content, tmp_path) == [case_documents.status_lookup_url(case)]
    assert code not in case_documents.status_lookup_url(case)

    wrong = client.post(url, {"status_code": "AAAA-BBBB-CCCC"})
    assert "AAAA-BBBB-CCCC" not in pdf_text(wrong.content, tmp_path).replace(" ", "")
    reprint = pdf_text(client.get(url).content, tmp_path).replace(" ", "")
    assert case.reference in reprint and code not in reprint and "不再打印" in reprint
