"""The supervisors' reporting pages: the area dashboard with charts, exports, the log."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import charts, exports, permissions, reporting, selectors
from casework.filters import CaseFilter
from casework.models import Category, ExportKind, ExportLog, Party, PartyRole
from casework.roles import Role
from core import documents, pdf


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


def report_dashboard(request):
    require_reporter(request.user)
    form, period, cases = report_scope(request)
    report = reporting.build(cases, period)
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
                (_("Response"), [m["response"]["percent"] for m in report.months]),
                (_("Resolution"), [m["resolution"]["percent"] for m in report.months]),
                (_("Satisfaction"), [m["satisfaction"]["percent"] for m in report.months]),
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
    }
    return render(request, "casework/reports.html", context)


def export_cases(request, fmt: str):
    _require_format(fmt)
    require_reporter(request.user)
    base = selectors.cases_visible_to(request.user)
    case_filter = CaseFilter(request.GET or None, queryset=base, user=request.user)
    cases = case_filter.qs if case_filter.is_bound and case_filter.is_valid() else base
    if case_filter.is_bound and not case_filter.is_valid():
        cases = base.none()
    cases = (
        cases.order_by("-created_at", "-id")
        .select_related("category", "place", "assigned_officer")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=Party.objects.filter(role=PartyRole.APPLICANT).order_by("id"),
                to_attr="applicants",
            )
        )
    )
    unmasked = exports.can_export_unmasked(request.user)
    header, rows = exports.case_rows(cases, unmasked=unmasked)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response, count = exports.respond(fmt, f"linli-cases-{stamp}", header, rows)
    exports.log(request.user, ExportKind.CASES, fmt, request.GET.urlencode(), count, unmasked)
    return response


def export_report(request, fmt: str):
    _require_format(fmt)
    require_reporter(request.user)
    _form, period, cases = report_scope(request)
    report = reporting.build(cases, period)
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
    rows += [[], [_("Organisation"), _("Referrals"), _("Response rate (%)"), _("On-time rate (%)")]]
    rows += [
        [o["name"], o["referrals"], o["response"]["percent"], o["on_time"]["percent"]]
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
    form, period, cases = report_scope(request)
    report = reporting.build(cases, period)
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
