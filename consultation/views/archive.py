"""The archive register's pages: the list and the download of an archived file (also
what the minutes', agreement's and dossier's pages serve once archived)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from consultation import selectors
from core.view_helpers import serve_file


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
