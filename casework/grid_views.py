"""The grid patrol page (网格巡查): log a finding from a phone, see the cells' open cases."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import grid, permissions
from casework.models import Category
from core.exceptions import ServiceError
from core.view_helpers import refused


class FindingForm(forms.Form):
    """What a grid worker logs: photo, building (or their position), category, a line."""

    photo = forms.FileField(label=gettext_lazy("Photo"), required=False)
    place = forms.ModelChoiceField(
        label=gettext_lazy("Building"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("— my location —"),
    )
    latitude = forms.FloatField(
        required=False, widget=forms.HiddenInput, min_value=-90, max_value=90
    )
    longitude = forms.FloatField(
        required=False, widget=forms.HiddenInput, min_value=-180, max_value=180
    )
    category = forms.ModelChoiceField(label=gettext_lazy("Category"), queryset=None)
    text = forms.CharField(label=gettext_lazy("What you found"), max_length=500)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["place"].queryset = grid.grid_buildings(user)
        self.fields["place"].label_from_instance = lambda p: p.local_name
        self.fields["category"].queryset = Category.objects.filter(active=True)
        self.fields["photo"].widget.attrs.update({"accept": "image/*", "capture": "environment"})
        self.fields["text"].widget.attrs.update({"autocomplete": "off"})

    def clean(self):
        data = super().clean()
        if data.get("place") is None:
            lat, lng = data.get("latitude"), data.get("longitude")
            if lat is None or lng is None:
                raise forms.ValidationError(
                    _("Choose the building, or allow the page to use your location.")
                )
        return data


def grid_patrol(request):
    """Grid workers only: the form on top (a finding in under a minute), the open cases
    of their cells below."""
    if not permissions.is_grid_worker(request.user):
        return HttpResponseForbidden(_("This page is for grid workers."))
    form = FindingForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            place = data["place"] or grid.place_from_location(
                request.user, data["latitude"], data["longitude"]
            )
            registration = grid.grid_finding_report(
                actor=request.user,
                place=place,
                category=data["category"],
                text=data["text"],
                photo=data.get("photo"),
            )
        except ServiceError as exc:
            refused(request, exc)
        else:
            messages.success(
                request,
                _("Finding logged as case %(ref)s.") % {"ref": registration.case.reference},
            )
            return redirect("casework:grid_patrol")
    cases = list(grid.grid_open_cases(request.user)[:100])
    return render(
        request,
        "casework/grid_patrol.html",
        {"form": form, "cases": cases, "grids": list(grid.grids_of(request.user))},
    )
