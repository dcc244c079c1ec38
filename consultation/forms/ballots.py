"""Forms of the owner-ballot pages; the services check everything again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consultation import statute
from consultation.models import BallotChoice, BallotRuleSet, Matter, SignerKind


class BallotForm(forms.Form):
    case = forms.CharField(max_length=20, label=_("Case (reference)"))
    matter = forms.ChoiceField(choices=Matter.choices, label=_("Matter"))
    title = forms.CharField(max_length=300, label=_("Question put to the owners"))
    scope = forms.ModelChoiceField(queryset=None, label=_("Scope"))
    rule_set = forms.ModelChoiceField(
        queryset=BallotRuleSet.objects.filter(active=True), label=_("Rule set")
    )
    opens_on = forms.DateField(label=_("Opens on"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(
        label=_("Closes on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = places

    def clean(self):
        data = super().clean()
        matter, rule_set = data.get("matter"), data.get("rule_set")
        if matter and rule_set:
            floor = statute.statutory_floor(matter)
            for problem in statute.rule_problems(rule_set.as_rule(), floor):
                self.add_error("rule_set", problem)
        return data


class RuleSetChangeForm(forms.Form):
    rule_set = forms.ModelChoiceField(
        queryset=BallotRuleSet.objects.filter(active=True), label=_("Rule set")
    )
    reason = forms.CharField(max_length=500, label=_("Reason for the change"))


class ImportForm(forms.Form):
    register = forms.FileField(label=_("Property register (CSV or XLSX)"))


class VoteForm(forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    signer_kind = forms.ChoiceField(
        choices=SignerKind.choices, required=False, label=_("Signed by")
    )
    signer_name = forms.CharField(max_length=100, required=False, label=_("Signer's name"))
    choice = forms.ChoiceField(choices=BallotChoice.choices, label=_("Choice"))
    objection_reason = forms.CharField(
        max_length=2000, required=False, label=_("Reason for objecting")
    )
    proxy_evidence = forms.FileField(required=False, label=_("Proxy's written mandate"))


class CostForm(forms.Form):
    total_yuan = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, label=_("Total cost (yuan)")
    )


class MeetingOnObjectionForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    venue = forms.CharField(max_length=200, label=_("Venue"))
    chair = forms.CharField(max_length=100, label=_("Chair"))


class NoticeForm(forms.Form):
    summary = forms.CharField(
        max_length=4000, label=_("Text of the notice"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ObjectionForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("From"))
    flat = forms.CharField(max_length=100, required=False, label=_("Flat"))
    text = forms.CharField(
        max_length=5000, label=_("Objection"), widget=forms.Textarea(attrs={"rows": 2})
    )
