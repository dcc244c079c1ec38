"""The archive register's pages: the list and the download of an archived file (also
what the minutes', agreement's and dossier's pages serve once archived)."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from consultation import selectors
from consultation.forms.archive import VerifyForm
from consultation.models import ArchiveRecord
from consultation.services import archive
from core import throttle
from core.client import client_address
from core.view_helpers import serve_file

# #21: the message when a document is asked for before its job has filed it.
ARCHIVE_NOT_READY = _(
    "The archive file is not ready yet: it is being generated, or its generation failed "
    "(the page says which)."
)


def archived_file(record):
    """An archived PDF as a download, never sniffed or run by the browser."""
    return serve_file(
        record.file,
        filename=f"{record.archival_number}.pdf",
        content_type="application/pdf",
        download=True,
    )


def archive_list(request):
    records = selectors.archive_visible_to(request.user).select_related("archived_by", "minutes")
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(request, "consultation/archive_list.html", {"page": page})


def archive_download(request, pk: int):
    record = get_object_or_404(selectors.archive_visible_to(request.user), pk=pk)
    return archived_file(record)


def archive_verify(request, pk: int):
    """One record checked now: its file against the register's checksum, and its
    signature and timestamp against the trust roots (core.signing)."""
    record = get_object_or_404(
        selectors.archive_visible_to(request.user).select_related("archived_by"), pk=pk
    )
    content = archive.read_file(record)
    if content is None:
        state, verdict = "missing", None
    elif hashlib.sha256(content).hexdigest() != record.sha256:
        state, verdict = "changed", archive.signature_verdict(record, content)
    elif not record.signature_level:
        state, verdict = "unsigned", None
    else:
        verdict = archive.signature_verdict(record, content)
        state = verdict.status
    return render(
        request,
        "consultation/archive_verify.html",
        {"record": record, "state": state, "verdict": verdict},
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def public_verify(request):
    """Public: is this PDF an authentic, unaltered record of this office? Answers
    authentic / altered / unknown about the uploaded file (or whether an archival number
    is in the register, with its file's fingerprint) — never anything of other records.
    Every answer counts against the client address's window (core.throttle)."""
    answer, number_record, form = None, None, VerifyForm()
    if request.method == "POST":
        throttle.consume("archive_verify", client_address(request))
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            number = form.cleaned_data["archival_number"]
            upload = form.cleaned_data["document"]
            if upload is not None:
                answer = archive.check_upload(upload.read())
                if number and answer.record is not None and answer.record.archival_number != number:
                    answer = archive.PublicAnswer("unknown", None, answer.verdict)
            elif number:
                number_record = (
                    ArchiveRecord.objects.filter(archival_number=number)
                    .only("archival_number", "archived_at", "sha256", "signature_level")
                    .first()
                )
                answer = archive.PublicAnswer(
                    "listed" if number_record is not None else "not_listed", number_record
                )
    return render(
        request,
        "consultation/archive_public_verify.html",
        {"form": form, "answer": answer},
    )
