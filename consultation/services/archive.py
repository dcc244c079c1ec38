"""The archive register: archived files with their checksum, the office's signature
(#24, core.signing), the register's hash chain (core.chain), the daily anchor, and their
verification (``manage.py verify_archive``)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from casework import permissions as case_permissions
from casework.roles import Role
from consultation.documents.minutes import minutes_pdf
from consultation.models import ArchiveRecord, Minutes, meeting_rule
from consultation.models.archive import ARCHIVE_FORMAT, archive_path, retention_years_of
from core import documents, pdf, signing
from core.chain import GENESIS, link
from core.jobs import enqueue, job
from core.models import YearSequence
from core.names import person_name
from core.sequences import next_number

logger = logging.getLogger(__name__)

SIGN_JOB = "archive.sign"
# The row locked while a register row is chained (core.sequences' table, year 0), so
# two archivings at once get one order and an unbroken chain.
CHAIN_LOCK = ("archive-chain", 0)

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
    archives (``minutes=`` or ``ballot=``).

    The row is chained to the register's previous row under a lock, and the office's
    signature is asked of the job queue (``sign_record``): until it has run the record
    shows as not signed yet, and a failure is retried, never lost."""
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        record = ArchiveRecord(
            archival_number=archival_number or next_archival_number(timezone.localdate().year),
            title=title[:300],
            sha256=digest,
            content_sha256=digest,
            size=len(content),
            format=ARCHIVE_FORMAT,
            retention_years=retention_years_of(retention_years),
            archived_by=actor,
            **owner,
        )
        _chain(record)
        record.file.save(f"{record.archival_number}.pdf", ContentFile(content), save=False)
        try:
            record.save()
        except Exception:
            record.file.delete(save=False)
            raise
        if signing.configured():
            enqueue(SIGN_JOB, {"record": record.pk}, user=actor)
    return record


def _chain(record: ArchiveRecord) -> None:
    """Link ``record`` to the register's last row (in the caller's transaction)."""
    name, year = CHAIN_LOCK
    YearSequence.objects.select_for_update().get_or_create(name=name, year=year)
    previous = (
        ArchiveRecord.objects.exclude(row_hash="")
        .order_by("-id")
        .values_list("row_hash", flat=True)
        .first()
    )
    record.prev_hash = previous or GENESIS
    record.row_hash = link(record.prev_hash, record.chained_fields())


def signer_role(user) -> str:
    """The role a signer signs as: archivist when they are one, else their first role."""
    roles = [grant.role for grant in case_permissions.grants(user)]
    if Role.ARCHIVIST in roles:
        return str(Role.ARCHIVIST.label)
    return str(Role(roles[0]).label) if roles else ""


def stamp_lines(record: ArchiveRecord, at) -> list[str]:
    """The visible signature block, in Chinese: the office, the signer (Chinese name
    order, core.names) and role, the time in China Standard Time, the archival number."""
    with translation.override("zh-hans"):
        office = documents.issuer_fallback() or settings.LINLI.get("ARCHIVE_PREFIX", "")
        role = signer_role(record.archived_by)
        signer = person_name(record.archived_by)
        return [
            f"{office} 电子签章",
            f"签署人：{signer}" + (f"（{role}）" if role else ""),
            f"签署时间：{signing.cst(at)}",
            f"档号：{record.archival_number}",
        ]


@job(SIGN_JOB, max_attempts=8)
def sign_record(*, record: int) -> dict:
    """Sign archived record ``record`` with the office's key (core.signing) and keep the
    signed file in its place; the register's chain is untouched (it covers the rendered
    content, the first revision of the signed file). Raises — and so is retried — when
    the key cannot be used."""
    with transaction.atomic():
        locked = ArchiveRecord.objects.select_for_update().get(pk=record)
        if locked.signature_level:
            return {"record": locked.pk, "already": locked.signature_level}
        with locked.file.open("rb") as handle:
            content = handle.read()
        if hashlib.sha256(content).hexdigest() != locked.content_sha256:
            raise signing.SigningUnavailable(
                f"{locked.archival_number}: the stored file is not the archived content; "
                "not signing it (verify_archive names it)."
            )
        signed = signing.sign_pdf(
            content,
            stamp_lines=stamp_lines(locked, timezone.now()),
            reason=f"档号 {locked.archival_number}",
        )
        old_name = locked.file.name
        name = locked.file.storage.save(
            archive_path(locked, f"{locked.archival_number}.pdf"), ContentFile(signed.content)
        )
        # The one change a register row sees: unsigned → signed (ArchiveRecord.save
        # refuses changes; this is the service that owns the transition).
        ArchiveRecord.objects.filter(pk=locked.pk).update(
            file=name,
            sha256=hashlib.sha256(signed.content).hexdigest(),
            size=len(signed.content),
            signature_level=signed.level,
            signed_at=signed.signed_at,
            signed_by=signed.signer[:300],
            signature_note=signed.note[:300],
        )
        storage = locked.file.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    if signed.level != signing.LEVEL_LT:
        logger.warning(
            "Archive %s signed at %s only: %s", locked.archival_number, signed.level, signed.note
        )
    return {"record": locked.pk, "level": signed.level}


def sign_pending() -> int:
    """Queue a signature for every record not signed yet (scheduled: ``sign_archives``)."""
    pending = list(
        ArchiveRecord.objects.filter(signature_level="").values_list("pk", flat=True)[:500]
    )
    with transaction.atomic():
        for pk in pending:
            enqueue(SIGN_JOB, {"record": pk})
    return len(pending)


def archive_minutes(minutes: Minutes, actor) -> ArchiveRecord:
    """Render the approved minutes' PDF/A from their frozen snapshot and register it."""
    with translation.override("zh-hans"), pdf.signature_field():
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
