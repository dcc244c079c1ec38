"""Forms of the owner-ballot pages; the services check everything again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consultation.models import BallotChoice, BallotRuleSet, Matter


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


class VoteForm(forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    owner = forms.CharField(max_length=100, required=False)
    choice = forms.ChoiceField(choices=BallotChoice.choices, label=_("Choice"))
    objection_reason = forms.CharField(
        max_length=2000, required=False, label=_("Reason for objecting")
    )
    by_proxy = forms.BooleanField(required=False, label=_("By proxy"))
    proxy_evidence = forms.FileField(required=False, label=_("Proxy authorisation"))


class CostForm(forms.Form):
    total_yuan = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, label=_("Total cost (yuan)")
    )


class ObjectionForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("From"))
    flat = forms.CharField(max_length=100, required=False, label=_("Flat"))
    text = forms.CharField(
        max_length=5000, label=_("Objection"), widget=forms.Textarea(attrs={"rows": 2})
    )
