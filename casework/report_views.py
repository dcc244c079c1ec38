"""The supervisors' reporting pages: the area dashboard with charts, exports, the log."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import charts, exports, hooks, permissions, reporting, selectors, tallies
from casework.models import Category, ExportKind, ExportLog
from casework.roles import Role
from core import documents, jobs, pdf
from core.models import Job, JobStatus


class ReportForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From (month)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    end = forms.DateField(
        label=gettext_lazy("To (month)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(active=True),
        required=False,
        label=gettext_lazy("Category"),
    )
    place = forms.ModelChoiceField(queryset=None, required=False, label=gettext_lazy("Place"))

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The period must end after it starts."))
        if start and end and (end.year - start.year) * 12 + end.month - start.month > 35:
            raise forms.ValidationError(_("Report at most 36 months at a time."))
        return data


FORMATS = {"csv", "xlsx"}


def _require_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404


def require_reporter(user) -> None:
    """Reports are for the street's staff: supervisors and mediators (else 403)."""
    if not permissions.has_role(user, Role.SUPERVISOR, Role.MEDIATOR):
        raise PermissionDenied(_("Reports are for the street's staff."))


def report_scope(request):
    """(form, period, cases) for the request's filters, scoped to the user."""
    places = selectors.places_for(request.user)
    form = ReportForm(request.GET or None, places=places)
    cases = selectors.cases_visible_to_for_reports(request.user)
    period = reporting.Period.last_months(12)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        today = timezone.localdate()
        start = data.get("start") or (data.get("end") or today).replace(day=1) - dt.timedelta(
            days=330
        )
        period = reporting.Period.months(start, data.get("end") or today)
        if data.get("category"):
            cases = cases.filter(category=data["category"])
        if data.get("place"):
            cases = cases.filter(place__path__startswith=data["place"].path)
    elif form.is_bound:
        cases = cases.none()
    return form, period, cases


def scoped_report(request):
    """(form, period, cases, report) for the request's filters: the report from the summary
    tables over the user's area narrowed by the form (``casework.tallies.scope_for``)."""
    form, period, cases = report_scope(request)
    if form.is_bound and not form.is_valid():
        scope = tallies.Scope(cases=cases)  # nothing (``cases`` is empty)
    else:
        data = form.cleaned_data if form.is_bound else {}
        category = data.get("category")
        scope = tallies.scope_for(
            request.user, place=data.get("place"), category_id=category.pk if category else None
        )
    return form, period, cases, reporting.build(scope, period, cases=cases)


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


def my_exports(request):
    """The user's own spreadsheet exports of the last days: being prepared, ready (with
    the download link) or failed (staff see the reason in the admin)."""
    require_reporter(request.user)
    mine = Job.objects.filter(created_by=request.user, kind=exports.XLSX_JOB).order_by(
        "-created_at", "-id"
    )[:20]
    return render(request, "casework/my_exports.html", {"exports": mine})


def my_export_download(request, pk: int):
    """A finished spreadsheet, only to the user who asked for it (404 for anyone else)."""
    require_reporter(request.user)
    done = get_object_or_404(
        Job, pk=pk, created_by=request.user, kind=exports.XLSX_JOB, status=JobStatus.DONE
    )
    try:
        handle = default_storage.open(done.result["file"], "rb")
    except (KeyError, FileNotFoundError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=done.result.get("filename", "linli-cases.xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
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
    """The monthly report as a PDF/A (the archival pipeline, ``core.pdf``), logged as an
    export."""
    require_reporter(request.user)
    form, period, _cases, report = scoped_report(request)
    place = (form.cleaned_data.get("place") if form.is_bound and form.is_valid() else None) or (
        selectors.places_for(request.user).order_by("path").first()
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
            "filters": request.GET.urlencode(),
            "totals": report.totals,
            "months": [{**m, "month": m["month"].isoformat()} for m in report.months],
            "organisations": report.organisations,
        }
        try:
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
        except pdf.PdfUnavailable as exc:
            messages.error(request, exc.messages[0])
            return redirect("casework:reports")
    exports.log(
        request.user, ExportKind.REPORT, "pdf", request.GET.urlencode(), len(report.months), False
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="linli-report-{period.first:%Y%m}-{period.last:%Y%m}.pdf"'
    )
    return response


def export_log(request):
    if not permissions.has_role(request.user, Role.SUPERVISOR):
        raise PermissionDenied(_("The export log is for supervisors."))
    logs = ExportLog.objects.select_related("user")
    if not request.user.is_superuser:
        colleagues = selectors.colleagues_of(request.user).values("pk")
        logs = logs.filter(user__in=colleagues)
    page = Paginator(logs, 50).get_page(request.GET.get("page"))
    return render(request, "casework/export_log.html", {"page": page})
