"""The case list's and the referral inbox's filters (django-filter). Every choice list
is scoped to the user."""

import django_filters as filters
from django import forms
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import selectors
from casework.calendar import add_working_days
from casework.models import (
    CLOCK_RUNNING_STATUSES,
    OPEN_REFERRAL_STATUSES,
    Case,
    Category,
    Channel,
    Grid,
    Party,
    Place,
    Priority,
    Referral,
    ReferralStatus,
    Status,
)
from casework.models.referrals import REPLY_CLOCK_STATUSES
from casework.phones import looks_like_phone, phone_key
from casework.widgets import FastSelect
from core.forms import PersonChoiceField
from core.models import SecurityEvent, SecurityEventKind


class PersonChoiceFilter(filters.ModelChoiceFilter):
    """A filter by user that lists people by name (core.names), not account names."""

    field_class = PersonChoiceField


DUE_CHOICES = [
    ("overdue", _("Overdue")),
    ("3", _("Due within 3 working days")),
    ("5", _("Due within 5 working days")),
    ("10", _("Due within 10 working days")),
]


class OrderingWithTieBreak(filters.OrderingFilter):
    """django-filter's ordering, then the id in the same direction: pages never repeat or
    skip a case, and each order is a walk along one index (``case_sort_*``: the field and
    the id). The reference is unique and ordered by its own index."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        order = [str(o) for o in qs.query.order_by]
        if value and order and order[0].lstrip("-") not in ("reference", "id"):
            order.append("-id" if order[0].startswith("-") else "id")
            qs = qs.order_by(*order)
        return qs


PARTY_MATCHES = 5000  # cases found by a party's name, at most (a narrower search finds more)


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
    # Named "cell", not "grid": the form's wrapper class "filter-grid" is the layout's own.
    cell = filters.ModelChoiceFilter(
        queryset=Grid.objects.none(),
        field_name="place__grid",  # for the API schema's type; filter_grid does the work
        method="filter_grid",
        label=_("Grid cell"),
        widget=FastSelect,
    )
    assigned_officer = PersonChoiceFilter(queryset=None, label=_("Officer"), widget=FastSelect)
    priority = filters.ChoiceFilter(choices=Priority.choices, label=_("Priority"))
    channel = filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    due = filters.ChoiceFilter(choices=DUE_CHOICES, method="filter_due", label=_("Deadline"))
    created = filters.DateFromToRangeFilter(
        field_name="created_at",
        label=_("Registered between"),
        widget=filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    o = OrderingWithTieBreak(
        fields=(
            ("reference", "reference"),
            ("created_at", "created"),
            ("due_date", "due"),
            ("priority", "priority"),
            ("status", "status"),
        ),
        field_labels={
            "reference": _("Reference, ascending"),
            "-reference": _("Reference, descending"),
            "created_at": _("Registered, oldest first"),
            "-created": _("Registered, newest first"),
            "due_date": _("Deadline, soonest first"),
            "-due": _("Deadline, latest first"),
            "priority": _("Priority, ascending"),
            "-priority": _("Priority, descending"),
            "status": _("Status, ascending"),
            "-status": _("Status, descending"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Case
        fields = []

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["place"].queryset = (
            selectors.places_for(user) if user is not None else Place.objects.none()
        )
        self.filters["assigned_officer"].queryset = selectors.colleagues_of(user)
        # The cells (微网格) with a building in the user's area.
        self.filters["cell"].queryset = (
            Grid.objects.filter(active=True, buildings__in=selectors.places_for(user)).distinct()
            if user is not None
            else Grid.objects.none()
        )

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # The caller's number, however it was typed: one lookup key (casework.phones), indexed.
        phone = phone_key(value) if looks_like_phone(value) else None
        if connection.vendor == "postgresql":
            # Each arm answered by its trigram index (migration 0024): the parties' cases
            # as an id list, so that PostgreSQL can OR three index scans instead of
            # testing an EXISTS on every case (seconds at a million cases).
            parties = Q(name__icontains=value)
            if phone:
                parties |= Q(phone_key=phone)
            case_ids = list(
                Party.objects.filter(parties)
                .order_by()
                .values_list("case_id", flat=True)[:PARTY_MATCHES]
            )
            return queryset.filter(
                Q(reference__icontains=value) | Q(description__icontains=value) | Q(pk__in=case_ids)
            )
        party = Party.objects.filter(case=OuterRef("pk"), name__icontains=value)
        found = Q(reference__icontains=value) | Q(description__icontains=value) | Exists(party)
        if phone:
            found |= Exists(Party.objects.filter(case=OuterRef("pk"), phone_key=phone))
        return queryset.filter(found)

    def filter_place(self, queryset, name, place):
        return queryset.filter(place__path__startswith=place.path)

    def filter_grid(self, queryset, name, grid):
        # A cell's cases: on its buildings, or on a stairwell of one.
        return queryset.filter(Q(place__grid=grid) | Q(place__parent__grid=grid))

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


def _current_due_q(op: str, day) -> Q:
    """Referrals whose current deadline (sign-for while dispatched, else reply) ``op`` day."""
    return Q(status=ReferralStatus.DISPATCHED, **{f"sign_due__{op}": day}) | Q(
        status__in=list(REPLY_CLOCK_STATUSES | {ReferralStatus.RETURN_REQUESTED}),
        **{f"reply_due__{op}": day},
    )


class ReferralFilter(filters.FilterSet):
    """The inbox's filters: status, deadline and overdue."""

    status = filters.MultipleChoiceFilter(
        choices=ReferralStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        label=_("Status"),
        distinct=False,
    )
    open = filters.BooleanFilter(
        method="filter_open",
        label=_("Open only"),
        widget=forms.Select(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))]),
    )
    due = filters.ChoiceFilter(choices=DUE_CHOICES, method="filter_due", label=_("Deadline"))
    supervised = filters.BooleanFilter(
        field_name="under_supervision",
        label=_("Under supervision (督办)"),
        widget=forms.Select(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))]),
    )
    o = filters.OrderingFilter(
        fields=(("dispatched_at", "dispatched"), ("reply_due", "due"), ("status", "status")),
        field_labels={
            "dispatched_at": _("Dispatched, oldest first"),
            "-dispatched": _("Dispatched, newest first"),
            "reply_due": _("Reply due, soonest first"),
            "-due": _("Reply due, latest first"),
            "status": _("Status, ascending"),
            "-status": _("Status, descending"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Referral
        fields = []

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        q = Q(status__in=list(OPEN_REFERRAL_STATUSES))
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_due(self, queryset, name, value):
        today = timezone.localdate()
        if value == "overdue":
            return queryset.filter(_current_due_q("lt", today)).exclude(
                status=ReferralStatus.RETURN_REQUESTED
            )
        try:
            days = int(value)
        except ValueError:
            return queryset
        return queryset.filter(_current_due_q("gte", today)).filter(
            _current_due_q("lte", add_working_days(today, days))
        )


class SecurityEventFilter(filters.FilterSet):
    """The supervisors' view of the security record: kind, period, actor, address."""

    kind = filters.ChoiceFilter(choices=SecurityEventKind.choices, label=_("Kind"))
    created = filters.DateFromToRangeFilter(
        field_name="created_at",
        label=_("Between"),
        widget=filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    actor = filters.ModelChoiceFilter(queryset=None, label=_("Staff member"), widget=FastSelect)
    username = filters.CharFilter(lookup_expr="iexact", label=_("Account name"))
    address = filters.CharFilter(
        lookup_expr="startswith",
        label=_("Client address"),
        help_text=_("The start of an address matches a whole network (e.g. 203.0.113.)."),
    )

    class Meta:
        model = SecurityEvent
        fields = ["kind", "created", "actor", "username", "address"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        staff = (
            get_user_model().objects.filter(memberships__isnull=False).distinct()
            if selectors.sees_whole_security_record(user)
            else selectors.staff_of_area(user)
        )
        self.filters["actor"].queryset = staff.order_by("last_name", "first_name", "username")
