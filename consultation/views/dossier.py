"""The mediation dossier's views (一案一卷): the closing report, the dossier's PDF (a draft
preview until archived) and archiving the case with its dossier."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultation import selectors, services
from consultation.documents import mediation as mediation_documents
from consultation.forms import mediation as mf
from consultation.models import ArchiveRecord
from consultation.views.archive import archived_file
from consultation.views.mediation import back_to_mediation, record_form, visible_mediation
from core import pdf
from core.exceptions import ServiceError
from core.models import JobStatus
from core.view_helpers import posted_version, refused


@require_POST
def closing_report_write(request, pk: int):
    """Write or revise the closing report (until the dossier is archived)."""
    mediation = visible_mediation(request, pk)
    return record_form(
        request, mediation, mf.ClosingReportForm, services.closing_report_write, "report"
    )


def dossier_pdf(request, pk: int):
    """The archived dossier, or before archiving a preview marked as a draft."""
    mediation = visible_mediation(request, pk)
    record = getattr(mediation, "dossier_record", None)
    if record is not None:
        return archived_file(record)
    try:
        with translation.override("zh-hans"):
            content = mediation_documents.dossier_pdf(mediation, compiler=request.user, draft=True)
    except pdf.PdfUnavailable as exc:
        messages.error(request, exc.messages[0])
        return back_to_mediation(pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="dossier-{mediation.year}-{mediation.serial}-draft.pdf"'
    )
    return response


@require_POST
def dossier_archive(request, pk: int):
    mediation = visible_mediation(request, pk)
    version = posted_version(request)
    try:
        services.dossier_archive(mediation=mediation, actor=request.user, expected_version=version)
    except ServiceError as exc:
        refused(request, exc)
    else:
        # In-process (no broker) the job has run by now; with a worker it is on its way.
        record = ArchiveRecord.objects.filter(dossier_id=pk).first()
        if record is not None:
            messages.success(
                request,
                _("Dossier archived as %(number)s; the case is archived.")
                % {"number": record.archival_number},
            )
        else:
            # Refused or failed in this process, or on its way to a worker: the page says
            # which (consultation/_archive_job.html).
            job = selectors.archive_job_of("dossier", pk)
            if job is not None and job.status == JobStatus.FAILED:
                messages.error(request, _("The dossier could not be archived; the page says why."))
            else:
                messages.info(
                    request,
                    _(
                        "The dossier is being generated; the case is archived with it once "
                        "it is filed."
                    ),
                )
    return back_to_mediation(pk, "dossier")
