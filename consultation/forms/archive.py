"""The public verification form (#24): an uploaded PDF and/or an archival number."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Larger than any archived document (a 300-page dossier is a few MB), small enough that
# an upload cannot tie up a worker.
MAX_UPLOAD = 25 * 1024 * 1024


class VerifyForm(forms.Form):
    document = forms.FileField(
        label=_("The PDF file you received"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    archival_number = forms.CharField(
        label=_("Archival number (optional)"),
        required=False,
        max_length=40,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        example = f"{settings.LINLI['ARCHIVE_PREFIX']}-{timezone.localdate().year}-0001"
        self.fields["archival_number"].help_text = _(
            "As printed on the document, e.g. %(example)s."
        ) % {"example": example}

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        if not upload:
            return None
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 25 MB: it is not one of ours."))
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError(_("This is not a PDF file."))
        return upload

    def clean_archival_number(self):
        return (self.cleaned_data.get("archival_number") or "").strip().upper()

    def clean(self):
        data = super().clean()
        if not data.get("document") and not data.get("archival_number") and not self.errors:
            raise forms.ValidationError(_("Choose the PDF file, or give its archival number."))
        return data
