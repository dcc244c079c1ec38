"""Forms of the people's mediation page. Choices are limited to the case's own parties and
the area's staff; the services check everything again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consultation.models import (
    EndReason,
    JudicialStatus,
    NoticeManner,
    Performance,
    Route,
    Satisfaction,
)
from core.forms import PersonChoiceField, PersonMultipleChoiceField

DATETIME = {
    "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    "input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
}
DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


def _text(label, *, required=True, max_length=10000, rows=3):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


_StaffChoice = PersonChoiceField
_StaffMultiple = PersonMultipleChoiceField


class _PartyMultiple(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_role_display()}）"


class _RecordForm(forms.Form):
    """A form of the mediation page: built with the mediation and the area's staff (the
    page's one record endpoint passes both to every form; most need neither)."""

    def __init__(self, *args, mediation=None, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.mediation, self.staff = mediation, staff


class MediatorsForm(_RecordForm):
    mediators = _StaffMultiple(
        queryset=None, label=_("Mediators"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediators"].queryset = self.staff


class MediationForm(MediatorsForm):
    """Opening a mediation: its mediators, the matters and the application date."""

    matters = _text(_("Matters to mediate"), max_length=5000)
    applied_on = forms.DateField(label=_("Applied on"), **DATE)


class NoticeForm(_RecordForm):
    given_at = forms.DateTimeField(label=_("Given at"), **DATETIME)
    manner = forms.ChoiceField(choices=NoticeManner.choices, label=_("How"))
    note = _text(_("Note"), required=False, max_length=2000, rows=2)


class SessionForm(_RecordForm):
    held_at = forms.DateTimeField(label=_("Held at"), **DATETIME)
    venue = forms.CharField(max_length=200, label=_("Venue"))
    mediator = _StaffChoice(queryset=None, label=_("Mediator"))
    recorder = _StaffChoice(queryset=None, label=_("Recorder"))
    participants = _PartyMultiple(
        queryset=None, label=_("Parties present"), widget=forms.CheckboxSelectMultiple
    )
    others_present = forms.CharField(max_length=300, label=_("Others present"), required=False)
    applicant_account = _text(_("The applicant's account"))
    respondent_account = _text(_("The respondent's account"))
    evidence = _text(_("Evidence checked"), required=False)
    outcome = _text(_("Outcome of the session"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = self.staff
        self.fields["recorder"].queryset = self.staff
        self.fields["participants"].queryset = self.mediation.case.parties.all()


class ExtensionForm(_RecordForm):
    new_due = forms.DateField(label=_("New time limit"), **DATE)
    reason = _text(_("Reason"), max_length=2000, rows=2)
    consenting = _PartyMultiple(
        queryset=None, label=_("Parties consenting"), widget=forms.CheckboxSelectMultiple
    )
    consent_manner = forms.ChoiceField(choices=NoticeManner.choices, label=_("Consent given"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consenting"].queryset = self.mediation.case.parties.all()


class AgreementForm(_RecordForm):
    """The agreement's terms; one obligation field per party of the case."""

    facts = _text(_("Facts"))
    disputed_matters = _text(_("Disputed matters"))
    performance_manner = forms.CharField(max_length=500, label=_("Manner of performance"))
    performance_place = forms.CharField(max_length=300, label=_("Place of performance"))
    performance_deadline = forms.DateField(label=_("Performance deadline"), **DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parties = list(self.mediation.case.parties.all())
        for party in self.parties:
            self.fields[f"obligation_{party.pk}"] = _text(
                _("Obligations of %(name)s (%(role)s)")
                % {"name": party.name, "role": party.get_role_display()},
                required=False,
                max_length=5000,
                rows=2,
            )

    def obligation_fields(self):
        return [self[f"obligation_{p.pk}"] for p in self.parties]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        obligations = [(p, data.pop(f"obligation_{p.pk}", "")) for p in self.parties]
        return {**data, "obligations": obligations}


class JudicialForm(_RecordForm):
    status = forms.ChoiceField(
        choices=[
            (JudicialStatus.FILED, JudicialStatus.FILED.label),
            (JudicialStatus.DECLINED, JudicialStatus.DECLINED.label),
        ],
        label=_("The parties"),
    )
    recorded_on = forms.DateField(label=_("On"), **DATE)
    note = _text(_("Note"), required=False, max_length=2000, rows=2)
    late_reason = _text(_("Why the filing was late"), required=False, max_length=2000, rows=2)
    late_reason.help_text = _("Required when the filing is dated after the legal last day.")


class ReturnVisitForm(_RecordForm):
    visited_on = forms.DateField(label=_("Visited on"), **DATE)
    manner = forms.CharField(max_length=200, label=_("How (phone, home visit…)"))
    performance = forms.ChoiceField(choices=Performance.choices, label=_("Performance"))
    satisfaction = forms.ChoiceField(choices=Satisfaction.choices, label=_("Satisfaction"))
    later_suit = forms.BooleanField(label=_("A party has since gone to court"), required=False)
    action_taken = _text(_("Action taken"), required=False, max_length=5000, rows=2)


class ClosingReportForm(_RecordForm):
    text = _text(_("Closing report"), rows=5)


class EndForm(forms.Form):
    reason = forms.ChoiceField(choices=EndReason.choices, label=_("Why it ends"))
    routes = forms.MultipleChoiceField(
        choices=Route.choices,
        label=_("Routes the parties were told of"),
        widget=forms.CheckboxSelectMultiple,
    )
    note = _text(_("Note"), required=False, max_length=5000, rows=2)


class SignForm(forms.Form):
    signer = forms.CharField(max_length=20)
    refused = forms.BooleanField(required=False)
    note = forms.CharField(max_length=2000, required=False)
