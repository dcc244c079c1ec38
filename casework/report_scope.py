"""What a report covers: the filter form, the period and the cases in the user's area.

Shared by the reporting pages (``casework.report_views``) and the report PDF built by a
background job (``casework.report_documents``), so both read the same filters the same way.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import permissions, reporting, selectors, tallies
from casework.models import Category
from casework.roles import Role


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


def require_reporter(user) -> None:
    """Reports are for the street's staff: supervisors and mediators (else 403)."""
    if not permissions.has_role(user, Role.SUPERVISOR, Role.MEDIATOR):
        raise PermissionDenied(_("Reports are for the street's staff."))


def report_scope_for(user, params: QueryDict):
    """(form, period, cases) for the filters ``params`` (a request's GET, or a job's copy
    of it), scoped to ``user``."""
    places = selectors.places_for(user)
    form = ReportForm(params or None, places=places)
    cases = selectors.cases_visible_to_for_reports(user)
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


def scoped_report_for(user, params: QueryDict):
    """(form, period, cases, report) for the filters ``params``: the report from the
    summary tables over the user's area narrowed by the form (``tallies.scope_for``)."""
    form, period, cases = report_scope_for(user, params)
    if form.is_bound and not form.is_valid():
        scope = tallies.Scope(cases=cases)  # nothing (``cases`` is empty)
    else:
        data = form.cleaned_data if form.is_bound else {}
        category = data.get("category")
        scope = tallies.scope_for(
            user, place=data.get("place"), category_id=category.pk if category else None
        )
    return form, period, cases, reporting.build(scope, period, cases=cases)
