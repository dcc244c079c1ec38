"""The report as a PDF/A, built by a background job (#21: a PDF never holds a web worker).

``report_views.report_pdf`` queues :data:`REPORT_PDF_JOB` with the user and the filters;
a worker (or, without a broker, this process after the commit) renders the report through
the archival pipeline (``core.pdf``) into storage (``exports/…``), logs it as an export,
and the file is served only to the user who asked (``report_views.my_export_download``).
A render that fails is retried and then listed as failed, never dropped (``core.jobs``).
"""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework import charts, exports, selectors
from casework.models import ExportKind
from casework.report_scope import scoped_report_for
from core import documents, pdf
from core.jobs import job

REPORT_PDF_JOB = "casework.report_pdf"


def report_pdf_content(user, filters: str) -> tuple[bytes, str, int]:
    """(the PDF, its file name, the months it covers) of the report ``user`` sees with
    ``filters`` (a query string, as the reporting page's)."""
    params = QueryDict(filters)
    form, period, _cases, report = scoped_report_for(user, params)
    place = (form.cleaned_data.get("place") if form.is_bound and form.is_valid() else None) or (
        selectors.places_for(user).order_by("path").first()
    )
    with translation.override("zh-hans"):
        title = documents.report_title(period.first, period.last)
        labels = [m["month"].strftime("%Y-%m") for m in report.months]
        chart = charts.bars(
            _("Cases opened and resolved by month"),
            labels,
            [
                (_("Opened"), [m["opened"] for m in report.months]),
                (_("Resolved"), [m["resolved"] for m in report.months]),
            ],
        )
        data = {
            "schema": "linli.monthly-report/1",
            "period": [period.first.isoformat(), period.last.isoformat()],
            "filters": filters,
            "totals": report.totals,
            "months": [{**m, "month": m["month"].isoformat()} for m in report.months],
            "organisations": report.organisations,
        }
        content = pdf.render(
            "casework/pdf/report.html",
            {
                "report": report,
                "chart": chart,
                "generated": timezone.localtime(),
                "doc": documents.frame(
                    issuer=selectors.issuing_organisation(place),
                    date=timezone.localdate(),
                    title=title,
                ),
            },
            title=title,
            attachment_name="report.json",
            data=data,
        )
    filename = f"linli-report-{period.first:%Y%m}-{period.last:%Y%m}.pdf"
    return content, filename, len(report.months)


@job(REPORT_PDF_JOB, max_attempts=3)
def build_report_pdf(*, user: int, filters: str) -> dict:
    """Render the report into storage and log the export; the result names the file."""
    person = get_user_model().objects.get(pk=user)
    content, filename, months = report_pdf_content(person, filters)
    name = default_storage.save(f"exports/{uuid.uuid4().hex}.pdf", ContentFile(content))
    exports.log(person, ExportKind.REPORT, "pdf", filters, months, False)
    return {"file": name, "rows": months, "filename": filename, "format": "pdf"}
