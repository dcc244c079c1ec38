"""The supervisors' reporting pages: the area dashboard with charts, exports, the log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework import charts, exports, hooks, permissions, report_documents, selectors
from casework.models import ExportKind, ExportLog
from casework.report_scope import report_scope_for, require_reporter, scoped_report_for
from casework.roles import Role
from core import jobs
from core.models import Job, JobStatus

FORMATS = {"csv", "xlsx"}


def _require_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404


def report_scope(request):
    """(form, period, cases) for the request's filters, scoped to the user."""
    return report_scope_for(request.user, request.GET)


def scoped_report(request):
    """(form, period, cases, report) for the request's filters (``scoped_report_for``)."""
    return scoped_report_for(request.user, request.GET)


def report_dashboard(request):
    require_reporter(request.user)
    form, period, cases, report = scoped_report(request)
    labels = [m["month"].strftime("%Y-%m") for m in report.months]
    context = {
        "form": form,
        "report": report,
        "query": request.GET.urlencode(),
        "chart_flow": charts.bars(
            _("Cases opened and resolved by month"),
            labels,
            [
                (_("Opened"), [m["opened"] for m in report.months]),
                (_("Resolved"), [m["resolved"] for m in report.months]),
            ],
        ),
        "chart_rates": charts.lines(
            _("The three rates by month (%)"),
            labels,
            [
                (_("Response rate"), [m["response"]["percent"] for m in report.months]),
                (_("Resolution rate"), [m["resolution"]["percent"] for m in report.months]),
                (_("Satisfaction rate"), [m["satisfaction"]["percent"] for m in report.months]),
            ],
        ),
        "chart_status": charts.stacked(
            _("All cases by status"), [(label, n) for _v, label, n in report.by_status]
        ),
        "chart_category": charts.bars(
            _("Cases by category"),
            [name for name, _n in report.by_category[:8]],
            [(_("Cases"), [n for _name, n in report.by_category[:8]])],
        ),
        "is_supervisor": permissions.has_role(request.user, Role.SUPERVISOR),
        # Sections the apps built on casework add (casework.hooks): late judicial filings.
        "panels": hooks.report_panels(request, cases, period),
    }
    return render(request, "casework/reports.html", context)


def export_cases(request, fmt: str):
    """The case list (with its filters) as CSV — streamed now — or XLSX, built by a
    background job: the user is sent to their exports page, where it appears when ready."""
    _require_format(fmt)
    require_reporter(request.user)
    filters, user = request.GET.urlencode(), request.user
    if fmt == "xlsx":
        with transaction.atomic():
            jobs.enqueue(
                exports.XLSX_JOB,
                {"user": user.pk, "filters": filters, "lang": translation.get_language()},
                user=user,
            )
        messages.success(
            request, _("Your spreadsheet is being prepared. It appears here when it is ready.")
        )
        return redirect("casework:my_exports")
    cases = exports.cases_for_export(user, request.GET)
    unmasked = exports.can_export_unmasked(user)
    header, rows = exports.case_rows(cases, unmasked=unmasked)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    # Streamed: the first byte at once, flat memory; logged when the stream ends.
    return exports.stream_csv(
        f"linli-cases-{stamp}",
        header,
        rows,
        done=lambda count: exports.log(user, ExportKind.CASES, fmt, filters, count, unmasked),
    )


# The files built by jobs for the user who asked: the case list as XLSX, the report as PDF.
EXPORT_JOBS = (exports.XLSX_JOB, report_documents.REPORT_PDF_JOB)


def my_exports(request):
    """The user's own spreadsheet exports of the last days: being prepared, ready (with
    the download link) or failed (staff see the reason in the admin)."""
    require_reporter(request.user)
    mine = list(
        Job.objects.filter(created_by=request.user, kind__in=EXPORT_JOBS).order_by(
            "-created_at", "-id"
        )[:20]
    )
    for job in mine:  # what the row offers: a report PDF or a spreadsheet
        job.is_report = job.kind == report_documents.REPORT_PDF_JOB
    return render(request, "casework/my_exports.html", {"exports": mine})


def my_export_download(request, pk: int):
    """A finished spreadsheet, only to the user who asked for it (404 for anyone else)."""
    require_reporter(request.user)
    done = get_object_or_404(
        Job, pk=pk, created_by=request.user, kind__in=EXPORT_JOBS, status=JobStatus.DONE
    )
    pdf_file = done.kind == report_documents.REPORT_PDF_JOB
    try:
        handle = default_storage.open(done.result["file"], "rb")
    except (KeyError, FileNotFoundError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=done.result.get(
            "filename", "linli-report.pdf" if pdf_file else "linli-cases.xlsx"
        ),
        content_type="application/pdf"
        if pdf_file
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def export_report(request, fmt: str):
    _require_format(fmt)
    require_reporter(request.user)
    _form, period, _cases, report = scoped_report(request)
    header = [
        _("Month"),
        _("Opened"),
        _("Resolved"),
        _("Response rate (%)"),
        _("Resolution rate (%)"),
        _("Satisfaction rate (%)"),
    ]
    rows = [
        [
            m["month"].strftime("%Y-%m"),
            m["opened"],
            m["resolved"],
            m["response"]["percent"],
            m["resolution"]["percent"],
            m["satisfaction"]["percent"],
        ]
        for m in report.months
    ]
    rows += [
        [],
        [
            _("Organisation"),
            _("Referrals"),
            _("Response rate (%)"),
            _("On-time rate (%)"),
            _("Resolution rate (%)"),
            _("Satisfaction rate (%)"),
        ],
    ]
    rows += [
        [
            o["name"],
            o["referrals"],
            *(o[r]["percent"] for r in ("response", "on_time", "resolution", "satisfaction")),
        ]
        for o in report.organisations
    ]
    stamp = f"{period.first:%Y%m}-{period.last:%Y%m}"
    response, count = exports.respond(fmt, f"linli-report-{stamp}", header, rows)
    exports.log(request.user, ExportKind.REPORT, fmt, request.GET.urlencode(), count, False)
    return response


def report_pdf(request):
    """The report as a PDF/A: built by a background job (``casework.report_documents``),
    so a PDF never holds a web worker; the user is sent to their exports page, where it
    appears with its download link when ready. Filters that do not validate are said
    here, before anything is queued."""
    require_reporter(request.user)
    form, _period, _cases = report_scope_for(request.user, request.GET)
    if form.is_bound and not form.is_valid():
        for error in form.non_field_errors() or [_("Check the report's filters.")]:
            messages.error(request, error)
        return redirect(f"{reverse('casework:reports')}?{request.GET.urlencode()}")
    with transaction.atomic():
        jobs.enqueue(
            report_documents.REPORT_PDF_JOB,
            {"user": request.user.pk, "filters": request.GET.urlencode()},
            user=request.user,
        )
    messages.success(request, _("Your report is being prepared. It appears here when it is ready."))
    return redirect("casework:my_exports")


def export_log(request):
    if not permissions.has_role(request.user, Role.SUPERVISOR):
        raise PermissionDenied(_("The export log is for supervisors."))
    logs = ExportLog.objects.select_related("user")
    if not request.user.is_superuser:
        colleagues = selectors.colleagues_of(request.user).values("pk")
        logs = logs.filter(user__in=colleagues)
    page = Paginator(logs, 50).get_page(request.GET.get("page"))
    return render(request, "casework/export_log.html", {"page": page})
