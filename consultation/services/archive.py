"""The archive register: archived files with their checksum, the office's signature
(#24, core.signing), the register's hash chain (core.chain), the daily anchor, and their
verification (``manage.py verify_archive``)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from casework import permissions as case_permissions
from casework.models import CaseEvent
from casework.roles import Role
from consultation.documents.minutes import minutes_pdf
from consultation.models import ArchiveAnchor, ArchiveRecord, Minutes, meeting_rule
from consultation.models.archive import (  # the job kinds: used here and by each service
    AGREEMENT_JOB,  # noqa: F401
    ARCHIVE_FORMAT,
    ARCHIVE_JOBS,
    BALLOT_RESULT_JOB,  # noqa: F401
    DOSSIER_JOB,  # noqa: F401
    MINUTES_JOB,
    archive_path,
    retention_years_of,
)
from core import documents, pdf, signing
from core.chain import GENESIS, link
from core.jobs import enqueue, job
from core.models import Job, YearSequence
from core.names import person_name
from core.sequences import next_number

logger = logging.getLogger(__name__)

SIGN_JOB = "archive.sign"
# The row locked while a register row is chained (core.sequences' table, year 0), so
# two archivings at once get one order and an unbroken chain.
CHAIN_LOCK = ("archive-chain", 0)

# The yearly numbering of the archive register (core.sequences).
ARCHIVAL_NUMBERS = "archive"

# What no retry cures: the owner is gone (ObjectDoesNotExist); the dossier's job adds the
# refusals of its re-checked conditions.
GIVE_UP_ON = (ObjectDoesNotExist,)


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
        office = documents.issuer_fallback() or signing.office_name()
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


def request_archive(owner: str, pk: int, *, actor, **frozen) -> Job:
    """Queue the job that renders and registers ``owner`` ``pk``'s archival document (in
    the caller's transaction: it runs after the commit). ``frozen`` is what was drawn in
    the request and printed on the document (a document number, a date), so every attempt
    prints the same."""
    return enqueue(ARCHIVE_JOBS[owner], {owner: pk, "actor": actor.pk, **frozen}, user=actor)


def archiver(pk: int):
    """The person who asked for the archiving (the record's ``archived_by``)."""
    return get_user_model().objects.get(pk=pk)


def archive_minutes(minutes: Minutes, actor) -> ArchiveRecord:
    """Render the approved minutes' PDF/A from their frozen snapshot and register it."""
    with translation.override("zh-hans"), pdf.signature_field():
        content = minutes_pdf(minutes.snapshot)
    return register(
        content,
        title=f"{minutes.snapshot['kind_label']}纪要 · {minutes.snapshot['topic']}"[:290]
        + f"（第{minutes.number}版）",
        retention_years=meeting_rule(minutes.meeting.kind)["retention_years"],
        actor=actor,
        minutes=minutes,
    )


@job(MINUTES_JOB, give_up_on=GIVE_UP_ON)
def archive_minutes_job(*, minutes: int, actor: int) -> dict:
    """The job ``minutes_approve`` queues: approved minutes ``minutes``, rendered from
    their frozen snapshot and registered — once: a second run finds the record."""
    locked = (
        Minutes.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=minutes)
    )
    existing = ArchiveRecord.objects.filter(minutes=locked).first()
    if existing is not None:
        return {"record": existing.pk, "already": True}
    record = archive_minutes(locked, archiver(actor))
    return {"record": record.pk, "archival_number": record.archival_number}


@dataclass(frozen=True)
class Finding:
    """Something in the archive that failed verification, and how: ``missing`` (no file),
    ``changed`` (the file's checksum is not the register's), ``altered`` (changed after
    it was signed), ``signature invalid`` (a signature that does not verify or is not
    the office's), ``register chain`` (a row deleted or edited: the first row whose link
    fails), ``anchor`` (the register or a case log no longer holds what a daily anchor
    recorded), ``case log`` (a case's event log deleted or edited in the middle)."""

    record: ArchiveRecord | None
    problem: str
    detail: str = ""

    @property
    def name(self) -> str:
        """The record (or case, or anchor) the finding is about, as people look it up."""
        if self.record is not None:
            return self.record.archival_number
        return self.detail.split(":", 1)[0]


def read_file(record) -> bytes | None:
    """A stored file's bytes, or None when it cannot be read."""
    try:
        with record.file.open("rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError, ValueError):
        return None


def signature_verdict(record: ArchiveRecord, content: bytes | None = None) -> signing.Verdict:
    """What the record's stored file's signature says (core.signing.validate)."""
    content = read_file(record) if content is None else content
    if content is None:
        return signing.Verdict(signing.ALTERED, detail="file missing")
    return signing.validate(content)


def verify_register_chain() -> list[Finding]:
    """Walk the register's chain in id order: the first row whose link or content does
    not hold is named (a deleted row breaks the next row's link; an edited one its own)."""
    previous = GENESIS
    for record in ArchiveRecord.objects.order_by("id").select_related(None).iterator():
        if record.prev_hash != previous:
            return [Finding(record, "register chain", "the row before it is gone or changed")]
        if link(record.prev_hash, record.chained_fields()) != record.row_hash:
            return [Finding(record, "register chain", "the row itself was edited")]
        previous = record.row_hash
    return []


def verify_anchors() -> list[Finding]:
    """The latest anchor against the register and case logs as they stand: rows it
    covered must all still be there, unchanged (a deletion at the end of a chain, which
    no later link reveals, shows here)."""
    from casework import chain as case_chain

    anchor = ArchiveAnchor.objects.first()
    if anchor is None:
        return []
    findings = []
    covered = ArchiveRecord.objects.filter(pk__lte=anchor.register_max_id)
    head = covered.order_by("-id").values_list("row_hash", flat=True).first() or GENESIS
    if covered.count() != anchor.register_count or head != anchor.register_head:
        findings.append(
            Finding(None, "anchor", f"{anchor.day}: the register differs from its anchor")
        )
    digest, _cases, events = case_chain.heads_digest(up_to=anchor.events_max_id)
    if digest != anchor.events_digest or events != anchor.events_count:
        findings.append(
            Finding(None, "anchor", f"{anchor.day}: the case logs differ from their anchor")
        )
    return findings


@dataclass
class Report:
    checked: int = 0
    signed: int = 0
    unsigned: int = 0
    events: int = 0
    findings: list = None


def verify_all() -> Report:
    """Everything ``verify_archive`` checks: each file's checksum and signature, the
    register's chain, every case log's chain, the latest daily anchor."""
    from casework import chain as case_chain

    report = Report(findings=[])
    checked, findings = verify()
    report.checked = checked
    report.findings.extend(findings)
    report.signed = ArchiveRecord.objects.exclude(signature_level="").count()
    report.unsigned = checked - report.signed
    report.findings.extend(verify_register_chain())
    events, breaks = case_chain.verify()
    report.events = events
    report.findings.extend(
        Finding(None, "case log", f"case {b.case_id}: event {b.event_id} ({b.problem})")
        for b in breaks
    )
    report.findings.extend(verify_anchors())
    return report


def verify() -> tuple[int, list[Finding]]:
    """Re-hash every archived file and validate its signature; returns (files checked,
    problems found)."""
    checked, findings = 0, []
    for record in ArchiveRecord.objects.order_by("archival_number").iterator():
        checked += 1
        content = read_file(record)
        if content is None:
            findings.append(Finding(record, "missing"))
            continue
        if hashlib.sha256(content).hexdigest() != record.sha256:
            findings.append(Finding(record, "changed"))
            continue
        if not record.signature_level:
            continue  # not signed yet: the job signs it (counted in the report)
        verdict = signing.validate(content)
        if verdict.status == signing.ALTERED:
            findings.append(Finding(record, "altered", verdict.detail))
        elif verdict.status != signing.INTACT:
            findings.append(Finding(record, "signature invalid", verdict.detail))
    return checked, findings


# ------------------------------------------------------------------ the daily anchor


def write_anchor(*, day=None) -> ArchiveAnchor:
    """The day's anchor: the register's latest hash and a digest of every case log's
    latest hash, in a signed, timestamped PDF (core.signing) to store off-site. Once a
    day (``anchor_archive``); a second run on the same day returns the first."""
    from casework import chain as case_chain

    day = day or timezone.localdate()
    existing = ArchiveAnchor.objects.filter(day=day).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        name, year = CHAIN_LOCK
        YearSequence.objects.select_for_update().get_or_create(name=name, year=year)
        last = ArchiveRecord.objects.order_by("-id").values_list("pk", "row_hash").first()
        register_max_id, register_head = last or (0, GENESIS)
        register_count = ArchiveRecord.objects.count()
        events_max_id = CaseEvent.objects.order_by("-id").values_list("pk", flat=True).first() or 0
        digest, cases, events = case_chain.heads_digest(up_to=events_max_id)
        data = {
            "day": day.isoformat(),
            "register_head": register_head,
            "register_count": register_count,
            "register_max_id": register_max_id,
            "events_digest": digest,
            "events_count": events,
            "events_max_id": events_max_id,
            "cases_count": cases,
            "chain": "SHA-256 over previous hash + canonical JSON (docs/archives.md)",
        }
        with translation.override("zh-hans"), pdf.signature_field():
            content = pdf.render(
                "consultation/pdf/archive_anchor.html",
                {
                    "a": data,
                    "doc": documents.frame(
                        issuer=documents.issuer_fallback(),
                        date=day,
                        title=f"档案登记簿每日锚定 {day:%Y-%m-%d}",
                    ),
                },
                title=f"档案登记簿每日锚定 {day:%Y-%m-%d}",
                attachment_name="anchor.json",
                data=data,
            )
        level = ""
        if signing.configured():
            now = timezone.now()
            signed = signing.sign_pdf(
                content,
                stamp_lines=[
                    f"{documents.issuer_fallback() or signing.office_name()} 电子签章",
                    f"档案登记簿每日锚定 {day:%Y-%m-%d}",
                    f"签署时间：{signing.cst(now)}",
                ],
                reason=f"每日锚定 {day:%Y-%m-%d}",
            )
            content, level = signed.content, signed.level
        anchor = ArchiveAnchor(
            day=day,
            register_head=register_head,
            register_count=register_count,
            register_max_id=register_max_id,
            events_digest=digest,
            events_count=events,
            cases_count=cases,
            events_max_id=events_max_id,
            sha256=hashlib.sha256(content).hexdigest(),
            signature_level=level,
        )
        anchor.file.save(f"{day:%Y-%m-%d}.pdf", ContentFile(content), save=False)
        anchor.save()
    return anchor


# ------------------------------------------------------------------ public verification


@dataclass(frozen=True)
class PublicAnswer:
    """What the public verification page says of an uploaded file: ``authentic`` (a
    record of this office, unchanged since it was signed), ``altered`` (it claims to be
    one — it carries our signature or a register number — but it was changed), or
    ``unknown`` (not a record of this office). Only the matching record is named."""

    status: str
    record: ArchiveRecord | None = None
    verdict: signing.Verdict | None = None


def check_upload(content: bytes) -> PublicAnswer:
    """Match an uploaded PDF against the register and validate its signature."""
    digest = hashlib.sha256(content).hexdigest()
    record = ArchiveRecord.objects.filter(sha256=digest).first()
    verdict = signing.validate(content)
    if record is not None and (not record.signature_level or verdict.ok):
        return PublicAnswer("authentic", record, verdict)
    if record is None and verdict.ok and ArchiveAnchor.objects.filter(sha256=digest).exists():
        return PublicAnswer("authentic", None, verdict)
    if verdict.ours:
        # It carries the office's signature, but it is not the file as archived: changed
        # after signing, re-signed by someone else, or a register row gone.
        return PublicAnswer("altered", None, verdict)
    return PublicAnswer("unknown", None, verdict)
