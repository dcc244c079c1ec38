from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from casework.forms import clean_phone
from casework.models import Category, Place, PlaceKind
from casework.widgets import FastSelect
from core.idempotency import OneTimeTokenMixin


class SubmitForm(OneTimeTokenMixin, forms.Form):
    """A resident's grievance; its one-time token makes a double send register one case."""

    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(active=True),
        label=_("What is it about?"),
        widget=FastSelect,
    )
    place = forms.ModelChoiceField(
        queryset=Place.objects.filter(
            kind__in=[PlaceKind.ESTATE, PlaceKind.BUILDING, PlaceKind.STAIRWELL]
        ),
        label=_("Where? (estate or building)"),
        required=False,
        widget=FastSelect(
            attrs={"data-filterable": "true", "data-filter-placeholder": _("Type to find a place")}
        ),
    )
    address = forms.CharField(
        label=_("Or type the address"),
        max_length=300,
        required=False,
        help_text=_("E.g. 3号楼2单元, or the street and number."),
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Tell us what happened.")},
    )
    requests = forms.CharField(
        label=_("What would you like us to do?"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    name = forms.CharField(label=_("Your name"), max_length=100)
    phone = forms.CharField(label=_("Your phone number"), max_length=30)
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        help_text=_("We send your receipt there."),
    )
    consent = forms.BooleanField(
        label=_("I have read the personal-information notice and agree."),
        error_messages={"required": _("Please read and accept the notice to continue.")},
    )
    # Honeypot: hidden from people (CSS and aria-hidden), filled by naive bots.
    leave_empty = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_phone(self):
        value = clean_phone(self.cleaned_data.get("phone"))
        if not value:
            raise ValidationError(_("We need a phone number to reach you."))
        return value

    def clean_leave_empty(self):
        if self.cleaned_data.get("leave_empty"):
            raise ValidationError(_("Please leave the last field empty."))
        return ""

    def clean(self):
        data = super().clean()
        if not data.get("place") and not (data.get("address") or "").strip():
            self.add_error("place", _("Choose the estate or building, or type the address."))
        for field in ("description", "name"):
            if field in data and not data[field].strip():
                self.add_error(field, _("This field is required."))
        return data


class LookupForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=20)
    code = forms.CharField(
        label=_("Status code"),
        max_length=40,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )


class InfoForm(forms.Form):
    text = forms.CharField(
        label=_("What would you like to add?"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.FileField(label=_("Photo or PDF (optional)"), required=False)


# Phones offer the right keyboard and autofill (#22b, 长辈模式 and accessibility): the
# name and phone fields say what they hold. Set here, after the form, so the submission
# form's own definition (#22a) stays as it is.
SubmitForm.base_fields["name"].widget.attrs.setdefault("autocomplete", "name")
SubmitForm.base_fields["phone"].widget.attrs.setdefault("autocomplete", "tel")
SubmitForm.base_fields["phone"].widget.attrs.setdefault("inputmode", "tel")
SubmitForm.base_fields["email"].widget.attrs.setdefault("autocomplete", "email")
