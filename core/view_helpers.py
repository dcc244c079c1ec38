"""What every page module does alike: turn a service's refusal into a 403 or messages,
show a form's errors, and serve a stored file without trusting its content."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from core.exceptions import ActionForbidden, ServiceError


def refused(request, exc: ServiceError) -> None:
    """Forbidden -> 403 page with the reason; anything else -> messages on the page."""
    if isinstance(exc, ActionForbidden):
        raise PermissionDenied(" ".join(exc.messages)) from exc
    for message in exc.messages:
        messages.error(request, message)


def posted_version(request) -> int:
    """The record version the user's page showed (a hidden field); anything else is 404."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        raise Http404 from None


def form_errors(request, form) -> None:
    """Each error of ``form`` as a message, prefixed with its field's label."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def serve_file(field_file, *, filename: str, content_type: str, download: bool):
    """A stored file as a response that browsers never sniff or run (404 if it is gone)."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=download, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def serve_attachment(attachment):
    """Evidence: images shown inline, PDFs downloaded."""
    return serve_file(
        attachment.file,
        filename=attachment.original_name,
        content_type=attachment.content_type,
        download=attachment.content_type == "application/pdf",
    )


def done(request, what: str = "") -> None:
    """Say that an action worked (every action says so): "Done: Sign for." or "Saved."."""
    messages.success(request, _("Done: %(what)s.") % {"what": what} if what else _("Saved."))
