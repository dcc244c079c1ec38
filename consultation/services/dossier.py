"""The mediation's closing report and its one-case-one-dossier archive (一案一卷): the
dossier compiled as one PDF/A, filed in the archive register, and the case archived with
it — or refused, naming every missing item.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework import permissions as case_permissions
from casework import services as case_services
from casework.models import Status
from consultation import case_events
from consultation.documents import mediation as mediation_documents
from consultation.models import (
    ArchiveRecord,
    Mediation,
    MediationStatus,
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
        locked.closing_report = text.strip()
        locked.closing_report_at = timezone.now()
        MEDIATIONS.bump(locked)
        log_on_case(locked, actor, case_events.CLOSING_REPORT)
    return locked


def dossier_archive(
    *, mediation: Mediation, actor, expected_version: int | None = None
) -> ArchiveRecord:
    """Compile the one-case-one-dossier PDF (一案一卷), file it in the archive register with
    its checksum, and archive the case — or refuse, naming every missing item."""
    with transaction.atomic():
        locked = lock_mediation(mediation, expected_version)
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

        # The cover prints its 档号: draw it first (rolled back with the rest on failure).
        archival_number = archive.next_archival_number(timezone.localdate().year)
        with translation.override("zh-hans"), pdf.signature_field():
            content = mediation_documents.dossier_pdf(
                locked, compiler=actor, archival_number=archival_number
            )
        record = archive.register(
            content,
            archival_number=archival_number,
            title=f"人民调解卷宗 {locked.number} · {case.reference}",
            retention_years=mediation_setting("RETENTION_YEARS"),
            actor=actor,
            dossier=locked,
        )
        MEDIATIONS.bump(locked)
        log_on_case(locked, actor, case_events.DOSSIER_ARCHIVED, {"number": record.archival_number})
        case_services.case_transition(case=case, name="archive", actor=actor)
    return record
