import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from casework import selectors
from casework.models import (
    Case,
    Category,
    Channel,
    Organisation,
    OrgKind,
    PartyKind,
    PartyRole,
    Place,
    Priority,
    ReferralKind,
    ReferralRole,
    ReturnReason,
    Score,
    VisitManner,
)
from casework.widgets import FastSelect
from core.forms import PersonChoiceField
from core.idempotency import OneTimeTokenMixin

# Channels staff register at the desk; "online" cases come from the resident portal.
STAFF_CHANNELS = [c for c in Channel.choices if c[0] != Channel.ONLINE]
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{4,24}$")


def clean_phone(value: str) -> str:
    value = (value or "").strip()
    if value and not PHONE_RE.match(value):
        raise ValidationError(_("Enter a phone number using digits only, e.g. 13812345678."))
    return value


class IntakeForm(OneTimeTokenMixin, forms.Form):
    """The desk's intake form; its one-time token makes a double send register one case."""

    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(active=True), label=_("Category")
    )
    place = forms.ModelChoiceField(
        queryset=Place.objects.none(),
        label=_("Place"),
        widget=forms.Select(
            attrs={"data-filterable": "true", "data-filter-placeholder": _("Type to find a place")}
        ),
    )
    address = forms.CharField(label=_("Address details"), max_length=300, required=False)
    channel = forms.ChoiceField(choices=STAFF_CHANNELS, label=_("Channel"))
    external_ref = forms.CharField(
        label=_("Hotline order number"),
        max_length=64,
        required=False,
        help_text=_("Only for 12345 hotline orders."),
    )
    description = forms.CharField(
        label=_("What happened"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Describe what happened.")},
    )
    requests = forms.CharField(
        label=_("What is asked for"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    priority = forms.ChoiceField(choices=Priority.choices, label=_("Priority"))
    escalation_risk = forms.BooleanField(label=_("Escalation risk"), required=False)

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        if places is not None:
            self.fields["place"].queryset = places

    def clean_description(self):
        value = self.cleaned_data["description"].strip()
        if not value:
            raise ValidationError(_("Describe what happened."))
        return value

    def clean(self):
        data = super().clean()
        ref = (data.get("external_ref") or "").strip()
        if ref and Case.objects.filter(external_ref=ref).exists():
            self.add_error(
                "external_ref", _("A case with this hotline order number is already registered.")
            )
        return data


class PartyForm(forms.Form):
    role = forms.ChoiceField(choices=PartyRole.choices, label=_("Role"), widget=FastSelect)
    kind = forms.ChoiceField(choices=PartyKind.choices, label=_("Kind"), widget=FastSelect)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)

    def clean_phone(self):
        return clean_phone(self.cleaned_data.get("phone"))

    def clean(self):
        data = super().clean()
        name = (data.get("name") or "").strip()
        if not name and (data.get("phone") or data.get("email") or data.get("address")):
            self.add_error("name", _("Give the name of this party, or clear the row."))
        data["name"] = name
        return data


PartyFormSet = forms.formset_factory(PartyForm, extra=3, max_num=30, validate_max=True)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    public = forms.BooleanField(
        label=_("Visible to the resident"),
        required=False,
        help_text=_("Leave unticked for internal notes."),
    )


class AssignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    officer = PersonChoiceField(queryset=None, label=_("Officer"), widget=FastSelect)

    def __init__(self, *args, officers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers


class MergeForm(forms.Form):
    target = forms.CharField(
        label=_("Merge into case (reference)"),
        max_length=20,
        help_text=_("This case is closed as a duplicate; its parties join the other case."),
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File (photo or PDF)"))
    public = forms.BooleanField(label=_("Visible to the resident"), required=False)


class DispatchForm(forms.Form):
    """Refer a case out. Suggested organisations (routing) are listed first."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Organisation"), widget=FastSelect
    )
    role = forms.ChoiceField(choices=ReferralRole.choices, label=_("Role"), widget=FastSelect)
    kind = forms.ChoiceField(choices=ReferralKind.choices, label=_("Type"), widget=FastSelect)
    instructions = forms.CharField(
        label=_("What is asked of the organisation"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what is asked of the organisation.")},
    )
    needs_contact = forms.BooleanField(
        label=_("The organisation must contact the resident (shares their phone number)"),
        required=False,
    )

    def __init__(self, *args, organisations=None, suggested=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = organisations
        suggested_ids = {o.pk for o in suggested}
        others = [o for o in organisations if o.pk not in suggested_ids]
        choices = [("", "—")]
        if suggested_ids:
            choices.append(
                (_("Suggested for this category and place"), [(o.pk, o.name) for o in suggested])
            )
        # The kind's label from one dict: get_kind_display() rebuilds (and hashes) the whole
        # list of lazy labels on every call — a third of the case page's referral panel.
        kinds = {value: str(label) for value, label in OrgKind.choices}
        listed = [(o.pk, f"{o.name} · {kinds.get(o.kind, o.kind)}") for o in others]
        choices.append((_("All organisations"), listed))
        field.choices = choices
        if len(suggested_ids) == 1 and not self.is_bound:
            self.initial.setdefault("organisation", next(iter(suggested_ids)))


class ReferralActionForm(forms.Form):
    """The parameters any referral action may carry; the state machine says which it needs."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=5000, required=False)
    return_reason = forms.ChoiceField(choices=[("", "—"), *ReturnReason.choices], required=False)
    days = forms.IntegerField(min_value=1, max_value=365, required=False)
    reply = forms.CharField(max_length=20000, required=False)


class SuperviseForm(forms.Form):
    on = forms.BooleanField(required=False)
    note = forms.CharField(max_length=2000, required=False)


def dispatch_form_for(case, data=None) -> DispatchForm:
    """The case page's referral form: every receiving organisation, those routing suggests
    for the case's category and place first."""
    return DispatchForm(
        data,
        initial={"version": case.version},
        organisations=selectors.receiving_organisations(),
        suggested=list(selectors.suggested_organisations(case)),
    )


class ReturnVisitForm(forms.Form):
    """The case officer's return visit (回访): reached or not, the three measures and the
    overall answer when reached, in the resident's own words."""

    manner = forms.ChoiceField(label=_("How"), choices=VisitManner.choices)
    reached = forms.TypedChoiceField(
        label=_("Was the resident reached?"),
        choices=[("", "—"), ("yes", _("Reached")), ("no", _("Not reached"))],
        coerce=lambda v: v == "yes",
    )
    efficiency = forms.TypedChoiceField(
        label=_("Efficiency"), choices=[("", "—"), *Score.choices], coerce=int, required=False
    )
    attitude = forms.TypedChoiceField(
        label=_("Attitude"), choices=[("", "—"), *Score.choices], coerce=int, required=False
    )
    result = forms.TypedChoiceField(
        label=_("Result"), choices=[("", "—"), *Score.choices], coerce=int, required=False
    )
    satisfied = forms.TypedChoiceField(
        label=_("Overall"),
        choices=[("", "—"), ("yes", _("satisfied")), ("no", _("not satisfied"))],
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=False,
    )
    residents_words = forms.CharField(
        label=_("The resident's words"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("efficiency", "attitude", "result"):
            if data.get(name) == "":
                data[name] = None
        return data
