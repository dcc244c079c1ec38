"""The mediation's closing report and its one-case-one-dossier archive (一案一卷): the
dossier compiled as one PDF/A by a background job (#21), filed in the archive register,
and the case archived with it in the job's transaction — or refused, naming every missing
item.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import permissions as case_permissions
from casework import services as case_services
from casework.models import Status
from consultation import case_events, selectors
from consultation.documents import mediation as mediation_documents
from consultation.models import (
    ArchiveRecord,
    Mediation,
    MediationStatus,
    Minutes,
    dossier_missing_items,
    mediation_setting,
)
from consultation.services import archive
from consultation.services.mediation import (
    MEDIATIONS,
    lock_mediation,
    log_on_case,
    require_mediator,
    require_status,
)
from core import pdf
from core.exceptions import ActionForbidden, TransitionRefused
from core.jobs import job
from core.models import Job, JobStatus
from core.names import list_separator


def closing_report_write(*, mediation: Mediation, actor, text: str) -> Mediation:
    """The closing report (结案报告), once the mediation has concluded; it can be revised
    until the dossier is archived."""
    if not (text or "").strip():
        raise TransitionRefused(_("Write the closing report."))
    with transaction.atomic():
        locked = lock_mediation(mediation)
        require_mediator(locked, actor)
        require_status(locked, MediationStatus.AGREED, MediationStatus.ENDED)
        if ArchiveRecord.objects.filter(dossier=locked).exists():
            raise TransitionRefused(_("The dossier is archived; the report can no longer change."))
        # The job compiles the report as it stands when it runs: no change meanwhile.
        _refuse_while_generating(locked)
        locked.closing_report = text.strip()
        locked.closing_report_at = timezone.now()
        MEDIATIONS.bump(locked)
        log_on_case(locked, actor, case_events.CLOSING_REPORT)
    return locked


DOSSIER_BEING_GENERATED = gettext_lazy(
    "The dossier is being generated; the case is archived with it in a moment. "
    "Reload the page to see it."
)


def _require_archivable(locked: Mediation, actor) -> None:
    """What archiving a case with its dossier needs, checked when it is asked for and
    again when the job files it: the actor may archive, no dossier yet, nothing missing,
    the case closed."""
    case = locked.case
    if not case_permissions.can_archive_case(case, actor):
        raise ActionForbidden(_("Only supervisors and archivists archive cases."))
    if ArchiveRecord.objects.filter(dossier=locked).exists():
        raise TransitionRefused(_("The dossier is already archived."))
    missing = dossier_missing_items(locked)
    if missing:
        raise TransitionRefused(
            _("The mediation dossier is incomplete. Missing: %(items)s.")
            % {"items": "; ".join(missing)}
        )
    if case.status != Status.CLOSED:
        raise TransitionRefused(_("Close the case (after its return visit) before archiving."))
    # The dossier prints each linked meeting's approved minutes with their 档号 and
    # checksum: minutes whose own archive job has not filed them yet would be bound in
    # without them, for good.
    unfiled = Minutes.objects.filter(
        meeting__cases=case, status__in=["approved", "archived"], archive_record__isnull=True
    ).select_related("meeting")
    if unfiled:
        raise TransitionRefused(
            _(
                "The minutes of %(meetings)s are not archived yet; archive the dossier once "
                "they are (their pages say why if filing them failed)."
            )
            % {"meetings": list_separator().join(m.meeting.topic for m in unfiled)}
        )


def _refuse_while_generating(locked: Mediation) -> Job | None:
    """Refuse while a dossier job is waiting or running (a second click, a colleague's
    click); return the failed one, if the last attempt failed, else None."""
    pending = selectors.archive_job_of("dossier", locked.pk)
    if pending is not None and pending.status != JobStatus.FAILED:
        raise TransitionRefused(DOSSIER_BEING_GENERATED)
    return pending


def dossier_archive(*, mediation: Mediation, actor, expected_version: int | None = None) -> Job:
    """Ask for the case to be archived with its one-case-one-dossier PDF (一案一卷) — or
    refuse, naming every missing item, or because it is being generated already.

    Under the mediation's row lock: the conditions are checked, the archival number its
    cover prints is drawn, and the job (``archive_dossier_job``) is queued; the job
    compiles the dossier, files it, and archives the case in its own transaction, after
    checking the conditions again. The number and the compiler travel in the payload, so
    every attempt prints the same cover; after a failed job, asking again reuses its
    number (the register keeps no gap for it)."""
    with transaction.atomic():
        locked = lock_mediation(mediation, expected_version)
        _require_archivable(locked, actor)
        failed = _refuse_while_generating(locked)
        archival_number = (failed.payload.get("archival_number") if failed else None) or (
            archive.next_archival_number(timezone.localdate().year)
        )
        return archive.request_archive(
            "dossier",
            locked.pk,
            actor=actor,
            archival_number=archival_number,
            compiled_at=timezone.now().isoformat(),
        )


@job(archive.DOSSIER_JOB, give_up_on=(*archive.GIVE_UP_ON, TransitionRefused, ActionForbidden))
def archive_dossier_job(*, dossier: int, actor: int, archival_number: str, compiled_at: str):
    """The job ``dossier_archive`` queues: under the mediation's row lock, check the
    conditions again (a refusal fails the job at once, its reason kept for the page),
    compile the dossier with the number and compiler drawn at the request, file it, log it
    and archive the case — all in one transaction, so the case is archived only with its
    dossier. A second run finds the record and does nothing."""
    locked = (
        Mediation.objects.select_for_update(of=("self",))
        .select_related(*MEDIATIONS.related)
        .get(pk=dossier)
    )
    existing = ArchiveRecord.objects.filter(dossier=locked).first()
    if existing is not None:
        return {"record": existing.pk, "already": True}
    compiler = archive.archiver(actor)
    case = locked.case
    # The refusal is stored and shown in the product's language, as the document is.
    with translation.override("zh-hans"):
        _require_archivable(locked, compiler)
    with translation.override("zh-hans"), pdf.signature_field():
        content = mediation_documents.dossier_pdf(
            locked,
            compiler=compiler,
            archival_number=archival_number,
            compiled_at=dt.datetime.fromisoformat(compiled_at),
        )
    record = archive.register(
        content,
        archival_number=archival_number,
        title=f"人民调解卷宗 {locked.number} · {case.reference}",
        retention_years=mediation_setting("RETENTION_YEARS"),
        actor=compiler,
        dossier=locked,
    )
    MEDIATIONS.bump(locked)
    log_on_case(locked, compiler, case_events.DOSSIER_ARCHIVED, {"number": record.archival_number})
    case_services.case_transition(case=case, name="archive", actor=compiler)
    return {"record": record.pk, "archival_number": record.archival_number}
