"""The case list's filters (django-filter). Every choice list is scoped to the user."""

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import selectors
from casework.calendar import add_working_days
from casework.models import (
    CLOCK_RUNNING_STATUSES,
    Case,
    Category,
    Channel,
    Party,
    Place,
    Priority,
    Status,
)
from casework.widgets import FastSelect

DUE_CHOICES = [
    ("overdue", _("Overdue")),
    ("3", _("Due within 3 working days")),
    ("5", _("Due within 5 working days")),
    ("10", _("Due within 10 working days")),
]


class CaseFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_text", label=_("Search"))
    status = filters.MultipleChoiceFilter(
        choices=Status.choices,
        widget=forms.CheckboxSelectMultiple,
        label=_("Status"),
        distinct=False,  # one row per case already; DISTINCT would slow the count
    )
    category = filters.ModelChoiceFilter(
        queryset=Category.objects.filter(active=True), label=_("Category"), widget=FastSelect
    )
    place = filters.ModelChoiceFilter(
        queryset=Place.objects.none(),
        method="filter_place",
        label=_("Place (and below)"),
        widget=FastSelect(attrs={"data-filterable": "true"}),
    )
    assigned_officer = filters.ModelChoiceFilter(
        queryset=None, label=_("Officer"), widget=FastSelect
    )
    priority = filters.ChoiceFilter(choices=Priority.choices, label=_("Priority"))
    channel = filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    due = filters.ChoiceFilter(choices=DUE_CHOICES, method="filter_due", label=_("Deadline"))
    created = filters.DateFromToRangeFilter(
        field_name="created_at",
        label=_("Registered between"),
        widget=filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    o = filters.OrderingFilter(
        fields=(
            ("reference", "reference"),
            ("created_at", "created"),
            ("due_date", "due"),
            ("priority", "priority"),
            ("status", "status"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Case
        fields = []

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["place"].queryset = selectors.places_for(user)
        self.filters["assigned_officer"].queryset = selectors.colleagues_of(user)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        party = Party.objects.filter(case=OuterRef("pk"), name__icontains=value)
        return queryset.filter(
            Q(reference__icontains=value) | Q(description__icontains=value) | Exists(party)
        )

    def filter_place(self, queryset, name, place):
        return queryset.filter(place__path__startswith=place.path)

    def filter_due(self, queryset, name, value):
        today = timezone.localdate()
        open_ = queryset.filter(status__in=CLOCK_RUNNING_STATUSES)
        if value == "overdue":
            return open_.filter(due_date__lt=today)
        try:
            days = int(value)
        except ValueError:
            return queryset
        return open_.filter(due_date__gte=today, due_date__lte=add_working_days(today, days))
