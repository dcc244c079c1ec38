import itertools

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from casework.forms import clean_phone
from casework.models import Category, Place, PlaceKind
from casework.sms import is_mobile
from casework.uploads import UploadRefused, clean_file_name, inspect
from casework.widgets import FastSelect
from core.idempotency import OneTimeTokenMixin


class StepSelect(FastSelect):
    """A step of the place choice: each option names its parent (``data-parent``), so the
    page's script can show only the buildings of the chosen estate; without script every
    option carries its whole name ("阳光小区 3号楼") and the list still works."""

    parents: dict[str, str] = {}

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}" data-parent="{}"{}>{}</option>',
            (
                (
                    str(v),
                    self.parents.get(str(v), ""),
                    " selected" if str(v) == selected else "",
                    label,
                )
                for v, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to ``PORTAL_MAX_PHOTOS`` photos, each checked as every upload is
    (``casework.uploads.inspect``: by content, size, pixels; EXIF stripped when stored)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        limit = settings.LINLI["PORTAL_MAX_PHOTOS"]
        if len(files) > limit:
            raise ValidationError(
                ngettext(
                    "Choose at most %(limit)d photo.", "Choose at most %(limit)d photos.", limit
                )
                % {"limit": limit}
            )
        errors = []
        for upload in files:
            try:
                clean_file_name(getattr(upload, "name", ""))
                accepted = inspect(upload)
            except UploadRefused as exc:
                errors.extend(f"{upload.name}: {m}" for m in exc.messages)
                continue
            if not accepted.content_type.startswith("image/"):
                errors.append(
                    f"{upload.name}: " + str(_("Only photos (JPEG, PNG) can be sent here."))
                )
            upload.seek(0)
        if errors:
            raise ValidationError(errors)
        return files


PLACE_KINDS = [PlaceKind.ESTATE, PlaceKind.BUILDING, PlaceKind.STAIRWELL]


class SubmitForm(OneTimeTokenMixin, forms.Form):
    """A resident's grievance; its one-time token makes a double send register one case.

    The place is chosen by steps — 小区 → 楼 → 单元 — and the finest step chosen wins
    (``place`` stays accepted for a single choice from older pages and the suggestion of
    "use my location")."""

    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(active=True),
        label=_("What is it about?"),
        widget=FastSelect,
        empty_label=_("Please choose"),
    )
    # One place by id (older pages, links): the steps below are what the page shows.
    place = forms.ModelChoiceField(
        queryset=Place.objects.filter(
            kind__in=[PlaceKind.ESTATE, PlaceKind.BUILDING, PlaceKind.STAIRWELL]
        ),
        required=False,
        widget=forms.HiddenInput,
    )
    estate = forms.TypedChoiceField(
        label=_("Estate"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=StepSelect(
            attrs={
                "data-filterable": "true",
                "data-filter-placeholder": _("Type to find your estate"),
                "data-step": "estate",
            }
        ),
    )
    building = forms.TypedChoiceField(
        label=_("Building"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=StepSelect(attrs={"data-step": "building"}),
    )
    unit = forms.TypedChoiceField(
        label=_("Stairwell"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=StepSelect(attrs={"data-step": "unit"}),
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
    photos = PhotosField(
        label=_("Photos (optional)"),
        required=False,
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Your phone number"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "type": "tel"}),
        help_text=_("A mobile number also gets the receipt by text message."),
    )
    sms_updates = forms.BooleanField(
        label=_("Text me when my case reaches a new stage"),
        required=False,
        initial=True,
    )
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        help_text=_("We send your receipt there."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.LINLI["PORTAL_MAX_PHOTOS"]
        self.fields["photos"].help_text = ngettext(
            "Up to %(n)d photo (JPEG or PNG) of what you see.",
            "Up to %(n)d photos (JPEG or PNG) of what you see.",
            limit,
        ) % {"n": limit}
        self._places = None
        self.place_steps()

    @property
    def places(self) -> dict[int, Place]:
        """The estates, buildings and stairwells, loaded once (one query) on first use."""
        if self._places is None:
            self._places = {
                p.pk: p
                for p in Place.objects.filter(kind__in=PLACE_KINDS)
                .only("pk", "kind", "name", "parent_id", "path", "full_name")
                .order_by("path")
            }
        return self._places

    def place_steps(self) -> None:
        """Fill the three steps' options (called by the page before rendering)."""
        places = self.places
        placeholder = [("", _("Please choose"))]

        def label(p: Place) -> str:
            names, node = [p.name], places.get(p.parent_id)
            while node is not None:
                names.insert(0, node.name)
                node = places.get(node.parent_id)
            return " ".join(names)

        for field, kind in (
            ("estate", PlaceKind.ESTATE),
            ("building", PlaceKind.BUILDING),
            ("unit", PlaceKind.STAIRWELL),
        ):
            of_kind = [p for p in places.values() if p.kind == kind]
            self.fields[field].choices = placeholder + [(p.pk, label(p)) for p in of_kind]
            widget = self.fields[field].widget
            widget.parents = {str(p.pk): str(p.parent_id or "") for p in of_kind}

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
        steps = [data.get(f) for f in ("estate", "building", "unit")]
        chosen = [self.places.get(pk) for pk in steps if pk]
        if chosen:
            finest = chosen[-1]
            # Each step must lie inside the one before (no script filtered the lists).
            for outer, inner in itertools.pairwise(chosen):
                if not inner.path.startswith(outer.path):
                    self.add_error(
                        "building" if inner.kind == PlaceKind.BUILDING else "unit",
                        _("%(inner)s is not in %(outer)s; choose again.")
                        % {"inner": inner.name, "outer": outer.name},
                    )
            data["place"] = finest
        if not data.get("place") and not (data.get("address") or "").strip():
            self.add_error("estate", _("Choose the estate or building, or type the address."))
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


class PhoneForm(forms.Form):
    """我的诉求, step one: the mobile number the cases were filed with."""

    phone = forms.CharField(
        label=_("Your mobile number"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "maxlength": 20}
        ),
    )

    def clean_phone(self):
        value = (self.cleaned_data.get("phone") or "").strip()
        if not is_mobile(value):
            raise ValidationError(_("Enter the 11-digit mobile number you gave with your case."))
        return value


class PhoneCodeForm(forms.Form):
    """我的诉求, step two: the one-time code from the text message (visible digits)."""

    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]*",
                "maxlength": 6,
            }
        ),
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
