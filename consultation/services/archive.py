"""The archive register: archived files with their checksum, and their verification."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from consultation.documents.minutes import minutes_pdf
from consultation.models import ArchiveRecord, Minutes, meeting_rule
from consultation.models.archive import ARCHIVE_FORMAT, retention_years_of
from core.sequences import next_number

# The yearly numbering of the archive register (core.sequences).
ARCHIVAL_NUMBERS = "archive"


def next_archival_number(year: int) -> str:
    """Issue the next archival number of ``year`` (e.g. ``DA-2026-0001``)."""
    number = next_number(ARCHIVAL_NUMBERS, year)
    return f"{settings.LINLI['ARCHIVE_PREFIX']}-{year}-{number:04d}"


def register(
    content: bytes,
    *,
    title: str,
    retention_years: int | str | None,
    actor,
    archival_number: str | None = None,
    **owner,
) -> ArchiveRecord:
    """File ``content`` (a PDF/A-3b from ``core.pdf``) in the archive register with its
    checksum, format and a new archival number (or ``archival_number``, drawn earlier with
    ``next_archival_number`` when the document prints its own, as the dossier's cover does);
    ``retention_years`` is a number of years or ``"permanent"``; ``owner`` names what it
    archives (``minutes=`` or ``ballot=``)."""
    record = ArchiveRecord(
        archival_number=archival_number or next_archival_number(timezone.localdate().year),
        title=title[:300],
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        format=ARCHIVE_FORMAT,
        retention_years=retention_years_of(retention_years),
        archived_by=actor,
        **owner,
    )
    record.file.save(f"{record.archival_number}.pdf", ContentFile(content), save=False)
    try:
        record.save()
    except Exception:
        record.file.delete(save=False)
        raise
    return record


def archive_minutes(minutes: Minutes, actor) -> ArchiveRecord:
    """Render the approved minutes' PDF/A from their frozen snapshot and register it."""
    with translation.override("zh-hans"):
        content = minutes_pdf(minutes.snapshot)
    return register(
        content,
        title=f"{minutes.snapshot['kind_label']}纪要 · {minutes.snapshot['topic']}"[:290]
        + f" (v{minutes.number})",
        retention_years=meeting_rule(minutes.meeting.kind)["retention_years"],
        actor=actor,
        minutes=minutes,
    )


@dataclass(frozen=True)
class Finding:
    """An archived file that failed verification, and how."""

    record: ArchiveRecord
    problem: str  # "missing" or "changed"


def verify() -> tuple[int, list[Finding]]:
    """Re-hash every archived file; returns (files checked, problems found)."""
    checked, findings = 0, []
    for record in ArchiveRecord.objects.order_by("archival_number").iterator():
        checked += 1
        try:
            with record.file.open("rb") as handle:
                digest = hashlib.sha256()
                for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                    digest.update(chunk)
        except (FileNotFoundError, OSError, ValueError):
            findings.append(Finding(record, "missing"))
            continue
        if digest.hexdigest() != record.sha256:
            findings.append(Finding(record, "changed"))
    return checked, findings
