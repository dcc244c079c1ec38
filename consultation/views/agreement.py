"""The mediation agreement's views: drafting it, signatures (on the agreement and on a
session's record), the seal, the parties' judicial-confirmation decision, and the
archived agreement."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.views.decorators.http import require_POST

from consultation import services
from consultation.forms import mediation as mf
from consultation.views.archive import ARCHIVE_NOT_READY, archived_file
from consultation.views.mediation import back_to_mediation, record_form, visible_mediation
from core.exceptions import ServiceError
from core.view_helpers import done, form_errors, refused


@require_POST
def agreement_draft(request, pk: int):
    """Write or rewrite the agreement's terms (until anyone signs or the seal is marked)."""
    mediation = visible_mediation(request, pk)
    return record_form(request, mediation, mf.AgreementForm, services.agreement_draft, "agreement")


@require_POST
def judicial_record(request, pk: int):
    """Record whether the parties filed for or declined judicial confirmation."""
    mediation = visible_mediation(request, pk)
    agreement = mediation.agreement_or_none
    if agreement is None:
        raise Http404
    return record_form(
        request,
        mediation,
        mf.JudicialForm,
        services.judicial_record,
        "agreement",
        agreement=agreement,
    )


@require_POST
def mediation_sign(request, pk: int, number: int | None = None):
    """A signature on session ``number``'s record, or on the agreement (no number)."""
    mediation = visible_mediation(request, pk)
    if number is None:
        target = mediation.agreement_or_none
    else:
        target = mediation.sessions.filter(number=number).first()
    if target is None:
        raise Http404
    form = mf.SignForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
    else:
        try:
            services.sign(
                record=target,
                actor=request.user,
                signer_key=form.cleaned_data["signer"],
                refused=form.cleaned_data["refused"],
                note=form.cleaned_data["note"],
            )
        except ServiceError as exc:
            refused(request, exc)
        else:
            done(request)
    return back_to_mediation(pk, "agreement" if number is None else "sessions")


@require_POST
def agreement_seal(request, pk: int):
    mediation = visible_mediation(request, pk)
    agreement = mediation.agreement_or_none
    if agreement is None:
        raise Http404
    try:
        services.agreement_seal(agreement=agreement, actor=request.user)
    except ServiceError as exc:
        refused(request, exc)
    else:
        done(request)
    return back_to_mediation(pk, "agreement")


def agreement_pdf(request, pk: int):
    """The archived agreement (every copy) once in effect."""
    mediation = visible_mediation(request, pk)
    agreement = mediation.agreement_or_none
    record = getattr(agreement, "archive_record", None) if agreement is not None else None
    if record is not None:
        return archived_file(record)
    if agreement is not None and agreement.in_effect:
        # In effect, but the job has not filed its copies yet (#21): the page says why.
        messages.info(request, ARCHIVE_NOT_READY)
        return back_to_mediation(pk, "agreement")
    raise Http404
