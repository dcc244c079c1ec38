"""Minutes pages: drafting, editing, signatures, the lifecycle, corrections and the PDF.
Minutes are reached through their meeting's scoped selector (not visible = 404)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultation import selectors, services
from consultation.documents import minutes as minutes_documents
from consultation.forms import meetings as forms
from consultation.models import Minutes, MinutesSignerRole
from consultation.permissions import can_run_meeting
from consultation.services.minutes import MINUTES
from consultation.views.archive import ARCHIVE_NOT_READY, archived_file
from consultation.views.meetings import visible_meeting
from core import pdf
from core.exceptions import ServiceError
from core.view_helpers import done, form_errors, posted_version, refused


def _minutes(request, pk: int) -> Minutes:
    return get_object_or_404(
        Minutes.objects.filter(
            meeting__in=selectors.meetings_visible_to(request.user)
        ).select_related("meeting", "meeting__place", "superseded_by", "corrects"),
        pk=pk,
    )


@require_POST
def minutes_new(request, pk: int):
    meeting = visible_meeting(request, pk)
    try:
        minutes = services.minutes_draft(meeting=meeting, actor=request.user)
    except ServiceError as exc:
        refused(request, exc)
        return redirect("consultation:meeting_detail", pk=pk)
    done(request)
    return redirect("consultation:minutes_detail", pk=minutes.pk)


def minutes_detail(request, pk: int):
    minutes = _minutes(request, pk)
    meeting = minutes.meeting
    can_write = can_run_meeting(meeting, request.user)
    context = {
        "minutes": minutes,
        "meeting": meeting,
        "can_write": can_write,
        "transitions": MINUTES.available(minutes, request.user),
        "withheld": [o for o in MINUTES.offers(minutes, request.user) if not o.allowed],
        "signatures": {s.invitee_id: s for s in minutes.signatures.all()},
        "attendees": meeting.invitees.filter(attended=True),
        "form": forms.MinutesForm(
            initial={
                "summary": minutes.summary,
                "disagreements": minutes.disagreements,
                "procedural_incidents": minutes.procedural_incidents,
                "version": minutes.version,
            }
        ),
        "signer_roles": MinutesSignerRole.choices,
        "data": minutes.snapshot,
    }
    if minutes.is_frozen:
        context["archive_record"] = getattr(minutes, "archive_record", None)
        if context["archive_record"] is None:
            # #21: the PDF is rendered by a job; say where it is while there is no record.
            context["archive_job"] = selectors.archive_job_of("minutes", minutes.pk)
    return render(request, "consultation/minutes_detail.html", context)


@require_POST
def minutes_edit(request, pk: int):
    minutes = _minutes(request, pk)
    form = forms.MinutesForm(request.POST)
    if not form.is_valid() or form.cleaned_data["version"] is None:
        form_errors(request, form)
    else:
        try:
            services.minutes_update(
                minutes=minutes,
                actor=request.user,
                summary=form.cleaned_data["summary"],
                disagreements=form.cleaned_data["disagreements"],
                procedural_incidents=form.cleaned_data["procedural_incidents"],
                expected_version=form.cleaned_data["version"],
            )
        except ServiceError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("Minutes saved."))
    return redirect("consultation:minutes_detail", pk=pk)


@require_POST
def minutes_transition(request, pk: int, name: str):
    minutes = _minutes(request, pk)
    version = posted_version(request)
    params = {}
    if "reason" in request.POST:
        params["reason"] = request.POST["reason"][:5000]
    try:
        services.minutes_transition(
            minutes=minutes, name=name, actor=request.user, expected_version=version, **params
        )
    except ServiceError as exc:
        refused(request, exc)
    else:
        done(request)
    return redirect("consultation:minutes_detail", pk=pk)


@require_POST
def minutes_sign(request, pk: int):
    minutes = _minutes(request, pk)
    form = forms.SignatureForm(request.POST, meeting=minutes.meeting)
    if not form.is_valid():
        form_errors(request, form)
    else:
        try:
            services.signature_record(minutes=minutes, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refused(request, exc)
        else:
            done(request)
    return redirect(reverse("consultation:minutes_detail", args=[pk]) + "#signatures")


@require_POST
def minutes_correct(request, pk: int):
    minutes = _minutes(request, pk)
    try:
        correction = services.minutes_correct(
            minutes=minutes, actor=request.user, reason=request.POST.get("reason", "")[:5000]
        )
    except ServiceError as exc:
        refused(request, exc)
        return redirect("consultation:minutes_detail", pk=pk)
    done(request)
    return redirect("consultation:minutes_detail", pk=correction.pk)


def minutes_pdf(request, pk: int):
    """The archived PDF of approved minutes, or a draft preview (marked as such)."""
    minutes = _minutes(request, pk)
    record = getattr(minutes, "archive_record", None) if minutes.is_frozen else None
    if record is not None:
        return archived_file(record)
    if minutes.is_frozen:
        # Approved minutes are served only as archived; the job has not filed them yet.
        messages.info(request, ARCHIVE_NOT_READY)
        return redirect("consultation:minutes_detail", pk=pk)
    data = minutes_documents.build(minutes)
    data["draft"] = True  # the frame prints the draft mark in the document's language
    try:
        content = minutes_documents.minutes_pdf(data)
    except pdf.PdfUnavailable as exc:
        messages.error(request, exc.messages[0])
        return redirect("consultation:minutes_detail", pk=pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{minutes.meeting.reference}-v{minutes.number}-draft.pdf"'
    )
    return response
