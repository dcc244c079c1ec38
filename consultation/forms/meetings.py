"""Forms of the meeting and minutes pages; the services check everything again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.models import Organisation
from consultation.models import (
    InviteeCategory,
    MeetingKind,
    MinutesSignerRole,
    Stance,
)
from core.forms import PersonChoiceField


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(choices=MeetingKind.choices, label=_("Kind"))
    topic = forms.CharField(max_length=300, label=_("Topic"))
    cases = forms.CharField(
        max_length=2000,
        label=_("Cases (references)"),
        help_text=_("One or more case references, separated by spaces or commas."),
    )
    convening_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Convened by")
    )
    chair_person = PersonChoiceField(
        queryset=None, label=_("Chair"), required=False, empty_label=_("— not a staff member —")
    )
    chair = forms.CharField(
        max_length=100,
        label=_("Chair, if not a staff member"),
        required=False,
        help_text=_("The name as written, e.g. an owners' committee director."),
    )
    recorder_person = PersonChoiceField(
        queryset=None, label=_("Recorder"), required=False, empty_label=_("— not a staff member —")
    )
    recorder = forms.CharField(
        max_length=100, label=_("Recorder, if not a staff member"), required=False
    )
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    venue = forms.CharField(max_length=200, label=_("Venue"))

    def __init__(self, *args, organisations=None, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["convening_organisation"].queryset = organisations
        self.fields["chair_person"].queryset = staff
        self.fields["recorder_person"].queryset = staff

    def clean(self):
        data = super().clean()
        if not data.get("chair_person") and not (data.get("chair") or "").strip():
            self.add_error("chair_person", _("Choose the chair, or write the name of an outsider."))
        return data

    def clean_cases(self):
        refs = [r for r in self.cleaned_data["cases"].replace(",", " ").split() if r]
        if not refs:
            raise forms.ValidationError(_("Link at least one case."))
        if len(refs) > 50:
            raise forms.ValidationError(_("Link at most 50 cases."))
        return refs


class InviteeForm(forms.Form):
    category = forms.ChoiceField(choices=InviteeCategory.choices, label=_("Category"))
    name = forms.CharField(max_length=100, label=_("Name"))
    affiliation = forms.CharField(max_length=200, label=_("Unit or address"), required=False)


class AgendaForm(forms.Form):
    title = forms.CharField(max_length=300, label=_("Agenda item"))


class StatementForm(forms.Form):
    speaker = forms.ModelChoiceField(queryset=None, label=_("Speaker"))
    stance = forms.ChoiceField(choices=Stance.choices, label=_("Position"))
    text = forms.CharField(
        max_length=10000, label=_("What they said"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["speaker"].queryset = meeting.invitees.all()


class MotionForm(forms.Form):
    text = forms.CharField(max_length=5000, label=_("Motion"))
    votes_for = forms.IntegerField(min_value=0, max_value=10000, label=_("For"))
    votes_against = forms.IntegerField(min_value=0, max_value=10000, label=_("Against"))
    abstentions = forms.IntegerField(min_value=0, max_value=10000, label=_("Abstain"))


class DecisionForm(forms.Form):
    text = forms.CharField(
        max_length=5000, label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowUpForm(forms.Form):
    text = forms.CharField(max_length=5000, label=_("Action"))
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(active=True), label=_("Owner")
    )
    due_date = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    case = forms.ModelChoiceField(queryset=None, label=_("Case"), required=False)

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = meeting.cases.all()


class CriterionForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Criterion"))


class MinutesForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    summary = forms.CharField(
        max_length=20000,
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    disagreements = forms.CharField(
        max_length=20000,
        label=_("Points of disagreement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    procedural_incidents = forms.CharField(
        max_length=20000,
        label=_("Procedural incidents"),
        required=False,
        help_text=_("E.g. a walk-out, an objection to the procedure, an adjournment."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SignatureForm(forms.Form):
    invitee = forms.ModelChoiceField(queryset=None, label=_("Attendee"))
    role = forms.ChoiceField(
        choices=[("", _("as recorded for the meeting")), *MinutesSignerRole.choices],
        required=False,
        label=_("Signs as"),
    )
    refused = forms.BooleanField(required=False, label=_("Refused to sign"))
    note = forms.CharField(max_length=2000, required=False, label=_("Note"))

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitee"].queryset = meeting.invitees.filter(attended=True)


class CloseFollowUpForm(forms.Form):
    note = forms.CharField(max_length=2000, label=_("How it was done"))
