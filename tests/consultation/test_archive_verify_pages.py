"""The archive's verification pages (#24): the staff check of one record, and the public
page answering authentic / altered / unknown for an upload — throttled, and never a 500
on garbage."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from consultation.models import ArchiveRecord
from core import pdf
from tests.consultation.test_minutes import held  # noqa: F401  (the fixture)
from tests.consultation.test_signed_archive import incremental_text_change, stored
from tests.factories import MinutesFactory

pytestmark = pytest.mark.django_db
URL = "/verify/"


@pytest.fixture
def signed_minutes(held, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        minutes = MinutesFactory(meeting=held, approved=True)
    return ArchiveRecord.objects.get(minutes=minutes)


def upload(client, content: bytes, number: str = "", name="doc.pdf"):
    return client.post(
        URL,
        {
            "document": SimpleUploadedFile(name, content, "application/pdf"),
            "archival_number": number,
        },
    )


def test_the_public_page_says_authentic_for_the_archived_file(client, signed_minutes):
    response = upload(client, stored(signed_minutes))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Authentic" in text and signed_minutes.archival_number in text
    assert signed_minutes.title not in text  # nothing beyond what the holder has


def test_the_public_page_says_altered_for_a_changed_signed_file(client, signed_minutes):
    text = upload(client, incremental_text_change(stored(signed_minutes))).content.decode()
    assert "Altered" in text and f"archived record {signed_minutes.archival_number}" not in text
    data = bytearray(stored(signed_minutes))
    data[len(data) // 3] ^= 0x01
    text = upload(client, bytes(data)).content.decode()
    assert "Altered" in text or "Unknown" in text
    assert "Authentic" not in text


def test_the_public_page_says_unknown_for_an_unrelated_pdf(client, signed_minutes):
    with translation.override("en"):
        other = pdf.html_to_pdf("<p>某份无关的文件</p>", title="x")
    text = upload(client, other).content.decode()
    assert "Unknown" in text and "Authentic" not in text and "Altered" not in text


def test_the_public_page_refuses_garbage_and_oversize_clearly(client, settings):
    response = upload(client, b"MZ\x90\x00 not a pdf", name="evil.exe")
    assert response.status_code == 200 and "This is not a PDF file." in response.content.decode()
    response = upload(client, b"%PDF-1.7 broken beyond repair \x00\xff")
    assert response.status_code == 200 and "Unknown" in response.content.decode()
    response = client.post(URL, {})
    assert "Choose the PDF file" in response.content.decode()


def test_a_number_alone_says_whether_it_is_listed_and_its_fingerprint(client, signed_minutes):
    text = client.post(
        URL, {"archival_number": signed_minutes.archival_number.lower()}
    ).content.decode()
    assert signed_minutes.sha256 in text and signed_minutes.title not in text
    text = client.post(URL, {"archival_number": "DA-1999-9999"}).content.decode()
    assert "no such archival number" in text


def test_the_public_page_is_rate_limited_per_address(client, rates, signed_minutes):
    rates(archive_verify="2/h")
    assert client.post(URL, {"archival_number": "DA-1"}).status_code == 200
    assert client.post(URL, {"archival_number": "DA-1"}).status_code == 200
    response = client.post(URL, {"archival_number": "DA-1"})
    assert response.status_code == 429 and "Retry-After" in response


def test_the_staff_check_shows_intact_then_altered(client, mediator, signed_minutes):
    client.force_login(mediator)
    url = reverse("consultation:archive_verify", args=[signed_minutes.pk])
    text = client.get(url).content.decode()
    assert "intact" in text and "邻里街道办事处（开发测试）" in text
    path = Path(signed_minutes.file.path)
    path.write_bytes(incremental_text_change(path.read_bytes()))
    text = client.get(url).content.decode()
    assert "Altered" in text


def test_the_register_lists_the_signature_state(client, mediator, signed_minutes, held):  # noqa: F811
    client.force_login(mediator)
    text = client.get(reverse("consultation:archive_list")).content.decode()
    assert "Signed on " in text and "B-LT" in text and "邻里街道办事处（开发测试）" in text


def test_truncated_and_mangled_signed_files_get_an_answer_not_an_error(client, signed_minutes):
    content = stored(signed_minutes)
    for mangled in (
        content[: len(content) // 2],
        content[:-4000],
        content.replace(b"/ByteRange", b"/ByteRangX"),
        content.replace(b"/Contents <", b"/Contents <00"),
    ):
        response = upload(client, mangled)
        assert response.status_code == 200
        assert "Authentic" not in response.content.decode()
