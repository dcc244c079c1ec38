"""Archives that prove themselves (#24): the signed PDF, its validation, tampering of
every kind the issue names, and verify_archive naming the record."""

from __future__ import annotations

import hashlib
import json
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from consultation.models import ArchiveRecord
from consultation.services import archive
from core import pki, signing
from tests.consultation.test_minutes import held  # noqa: F401  (the fixture)
from tests.factories import MinutesFactory

pytestmark = pytest.mark.django_db


def stored(record: ArchiveRecord) -> bytes:
    record.refresh_from_db()
    return Path(record.file.path).read_bytes()


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, check=False, timeout=60)


@pytest.fixture
def signed_minutes(held, django_capture_on_commit_callbacks):  # noqa: F811
    """Approved minutes, archived, and signed by the job the archiving queued."""
    with django_capture_on_commit_callbacks(execute=True):
        minutes = MinutesFactory(meeting=held, approved=True)
    record = ArchiveRecord.objects.get(minutes=minutes)
    return record


def test_archiving_queues_the_signature_and_the_record_turns_signed(signed_minutes):
    record = signed_minutes
    assert record.signature_level == signing.LEVEL_LT
    assert record.signed_at is not None
    assert record.signed_by == pki.DEV_OFFICE
    content = stored(record)
    assert hashlib.sha256(content).hexdigest() == record.sha256 != record.content_sha256
    assert record.size == len(content)
    # The signed file is an incremental update of the archived render: its first
    # revision is exactly the content the register's chain covers.
    first_revision = content[: content.index(b"%%EOF") + len(b"%%EOF")]
    assert hashlib.sha256(first_revision + b"\n").hexdigest() == record.content_sha256 or (
        hashlib.sha256(first_revision).hexdigest() == record.content_sha256
    )


def test_a_signed_minutes_pdf_validates_intact_trusted_and_timestamped(signed_minutes):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    content = stored(signed_minutes)
    verdict = signing.validate(content)
    assert verdict.status == signing.INTACT and verdict.timestamped and verdict.ours
    # And with pyHanko directly, as docs/archives.md tells an auditor to do.
    reader = PdfFileReader(BytesIO(content))
    (sig,) = reader.embedded_signatures
    roots = signing.credentials().trust_roots
    context = ValidationContext(trust_roots=list(roots))
    status = validate_pdf_signature(sig, context, ts_validation_context=context)
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert status.bottom_line


def test_the_signed_file_keeps_pdfa_3b_the_json_and_embedded_fonts(signed_minutes, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(stored(signed_minutes))
    assert run("qpdf", "--check", str(path)).returncode == 0
    xmp = run("pdfinfo", "-meta", str(path)).stdout.decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp or 'pdfaid:part="3"' in xmp, xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp or 'pdfaid:conformance="B"' in xmp
    listing = run("pdfdetach", "-list", str(path)).stdout.decode()
    assert "minutes-" in listing and ".json" in listing
    out = tmp_path / "data.json"
    assert run("pdfdetach", "-save", "1", "-o", str(out), str(path)).returncode == 0
    assert json.loads(out.read_text()) == signed_minutes.minutes.snapshot
    fonts = run("pdffonts", str(path)).stdout.decode().splitlines()[2:]
    assert len(fonts) >= 2  # the document's CJK font and the stamp's
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # all embedded
    assert any("NotoSansCJKsc" in line for line in fonts)  # the stamp's own subset


def test_the_visible_signature_is_in_chinese_on_the_last_page(signed_minutes, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(stored(signed_minutes))
    pages = int(
        next(
            line.split()[-1]
            for line in run("pdfinfo", str(path)).stdout.decode().splitlines()
            if line.startswith("Pages:")
        )
    )
    last = run("pdftotext", "-f", str(pages), "-l", str(pages), str(path), "-").stdout.decode()
    assert "电子签章" in last and "签署人：" in last and "（北京时间）" in last
    assert signed_minutes.archival_number in last
    first = run("pdftotext", "-l", "1", str(path), "-").stdout.decode()
    assert pages == 1 or "签署人：" not in first


def flip(record: ArchiveRecord, at: float = 0.4) -> None:
    path = Path(record.file.path)
    data = bytearray(path.read_bytes())
    data[int(len(data) * at)] ^= 0x01
    path.write_bytes(bytes(data))


def rewrite_hash(record: ArchiveRecord, content: bytes) -> None:
    """An insider with database access: store tampered bytes and fix the register's
    checksum to match, so that only the signature can tell."""
    Path(record.file.path).write_bytes(content)
    ArchiveRecord.objects.filter(pk=record.pk).update(
        sha256=hashlib.sha256(content).hexdigest(), size=len(content)
    )


def test_one_flipped_byte_fails_validation_and_verify_names_the_record(signed_minutes, capsys):
    call_command("verify_archive")
    content = bytearray(stored(signed_minutes))
    content[int(len(content) * 0.3)] ^= 0x01
    assert signing.validate(bytes(content)).status == signing.ALTERED
    rewrite_hash(signed_minutes, bytes(content))
    with pytest.raises(CommandError, match="1 of 1"):
        call_command("verify_archive")
    err = capsys.readouterr().err
    assert f"ALTERED: {signed_minutes.archival_number}" in err


def incremental_text_change(content: bytes) -> bytes:
    """Append an incremental update that draws new text ("VOID") on the first page."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(content))
    page = writer.root["/Pages"]["/Kids"][0]
    ref = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 400 Td (VOID) Tj ET")
    )
    contents = page.raw_get("/Contents")
    old = list(contents) if isinstance(contents, generic.ArrayObject) else [contents]
    page["/Contents"] = generic.ArrayObject([*old, ref])
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_incremental_update_changing_text_fails_and_verify_names_it(signed_minutes, capsys):
    tampered = incremental_text_change(stored(signed_minutes))
    verdict = signing.validate(tampered)
    assert verdict.status == signing.ALTERED, verdict
    rewrite_hash(signed_minutes, tampered)
    with pytest.raises(CommandError):
        call_command("verify_archive")
    assert f"ALTERED: {signed_minutes.archival_number}" in capsys.readouterr().err


def test_re_signing_with_an_untrusted_key_fails_and_verify_names_it(signed_minutes, capsys):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from core import pki

    p12, passphrase = pki.other_key_certificate("Forger")
    forger = signers.SimpleSigner.load_pkcs12_data(p12, [], passphrase=passphrase.encode())
    # (a) over our signed file: a second signature by someone else;
    out = BytesIO()
    signers.PdfSigner(signers.PdfSignatureMetadata(field_name="Other"), signer=forger).sign_pdf(
        IncrementalPdfFileWriter(BytesIO(stored(signed_minutes))), output=out
    )
    assert signing.validate(out.getvalue()).status == signing.INVALID
    # (b) the unsigned render signed afresh by the forger: not trusted either.
    content = stored(signed_minutes)
    original = content[: content.index(b"%%EOF") + 5] + b"\n"
    forged = BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(original)),
        signers.PdfSignatureMetadata(field_name="LinliOfficeSeal"),
        signer=forger,
        output=forged,
    )
    verdict = signing.validate(forged.getvalue())
    assert verdict.status == signing.INVALID and not verdict.ours
    rewrite_hash(signed_minutes, forged.getvalue())
    with pytest.raises(CommandError):
        call_command("verify_archive")
    assert f"SIGNATURE INVALID: {signed_minutes.archival_number}" in capsys.readouterr().err


def test_signing_without_a_timestamp_authority_downgrades_to_b_b_and_says_so(
    held,  # noqa: F811
    settings,
    caplog,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    creds = signing.credentials()
    monkeypatch.setattr(
        signing, "credentials", lambda: signing.Credentials(
            creds.signer, None, creds.trust_roots, False, creds.source
        )
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        minutes = MinutesFactory(meeting=held, approved=True)
    record = ArchiveRecord.objects.get(minutes=minutes)
    assert record.signature_level == signing.LEVEL_B
    assert "timestamp" in record.signature_note
    assert "without a timestamp" in caplog.text


def test_a_record_stays_visibly_unsigned_until_its_job_has_run(held):  # noqa: F811
    minutes = MinutesFactory(meeting=held, approved=True)  # no commit: the job has not run
    record = ArchiveRecord.objects.get(minutes=minutes)
    assert record.signature_level == "" and not record.is_signed
    archive.sign_record(record=record.pk)
    record.refresh_from_db()
    assert record.is_signed and signing.validate(stored(record)).ok
    # Running it again changes nothing.
    sha = record.sha256
    archive.sign_record(record=record.pk)
    record.refresh_from_db()
    assert record.sha256 == sha


def test_production_without_a_signing_key_warns_and_a_bad_key_is_an_error(settings, tmp_path):
    from core.checks import check_archive_signing

    settings.IS_PRODUCTION = True
    settings.LINLI_SIGNING = {**settings.LINLI_SIGNING, "P12": "", "DEV_PKI": ""}
    assert [m.id for m in check_archive_signing(None)] == ["linli.W240"]
    bad = tmp_path / "office.p12"
    bad.write_bytes(b"not a pkcs12")
    settings.LINLI_SIGNING = {
        **settings.LINLI_SIGNING,
        "P12": str(bad),
        "PASSPHRASE": "x",
        "TSA_URL": "http://tsa.example/",
        "TRUST_ROOTS": [],
    }
    signing.reset()
    ids = [m.id for m in check_archive_signing(None)]
    assert "linli.E241" in ids and "linli.W243" in ids
    signing.reset()


def test_make_dev_pki_makes_a_ca_an_office_p12_and_a_tsa(tmp_path, capsys):
    from core import pki

    call_command("make_dev_pki", "--dir", str(tmp_path / "pki"))
    assert pki.exists(tmp_path / "pki")
    assert "Development PKI made" in capsys.readouterr().out
    call_command("make_dev_pki", "--dir", str(tmp_path / "pki"))
    assert "already" in capsys.readouterr().out
