"""The mediation dossier's views (一案一卷): the closing report, the dossier's PDF (a draft
preview until archived) and archiving the case with its dossier."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultation import services
from consultation.documents import mediation as mediation_documents
from consultation.forms import mediation as mf
from consultation.views.archive import archived_file
from consultation.views.mediation import back_to_mediation, record_form, visible_mediation
from core import pdf
from core.exceptions import ServiceError
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
        record = services.dossier_archive(
            mediation=mediation, actor=request.user, expected_version=version
        )
    except ServiceError as exc:
        refused(request, exc)
    else:
        messages.success(
            request,
            _("Dossier archived as %(number)s; the case is archived.")
            % {"number": record.archival_number},
        )
    return back_to_mediation(pk, "dossier")
