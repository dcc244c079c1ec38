"""People's mediation pages. Mediations come from a scoped selector (not visible = 404:
mediation content is confidential to its mediators, the case's officer and the area's
supervisors and archivists); every write goes through ``mediation_services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import permissions as case_permissions
from casework import selectors as case_selectors
from consultation import mediation_forms as mf
from consultation import mediation_services as services
from consultation import selectors
from consultation.documents import mediation as mediation_documents
from consultation.models import Mediation, MediationStatus, pending_signers
from consultation.permissions import can_mediate
from core import pdf
from core.exceptions import ServiceError
from core.view_helpers import form_errors, posted_version, refused, serve_file


def _mediation(request, pk: int) -> Mediation:
    return get_object_or_404(
        selectors.mediations_visible_to(request.user).select_related(
            "case", "case__place", "case__category"
        ),
        pk=pk,
    )


def _back(pk: int, anchor: str = ""):
    return redirect(
        reverse("consultation:mediation_detail", args=[pk]) + (f"#{anchor}" if anchor else "")
    )


def mediation_list(request):
    rows = (
        selectors.mediations_visible_to(request.user)
        .select_related("case")
        .order_by("-year", "-serial")
    )
    status = request.GET.get("status", "")
    if status in MediationStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "consultation/mediation_list.html",
        {"page": page, "statuses": MediationStatus.choices, "status": status},
    )


def mediation_new(request):
    ref = (request.POST.get("case") or request.GET.get("case") or "")[:20]
    case = get_object_or_404(case_selectors.cases_visible_to(request.user), reference=ref)
    if not case_permissions.can_work_case(case, request.user):
        raise PermissionDenied(_("You cannot start a mediation on this case."))
    existing = getattr(case, "mediation", None)
    if existing is not None:
        return redirect("consultation:mediation_detail", pk=existing.pk)
    staff = case_selectors.officers_for(case)
    initial = {"applied_on": timezone.localdate(), "matters": case.requests or case.description}
    if case.assigned_officer_id:
        initial["mediators"] = [case.assigned_officer_id]
    form = mf.MediationForm(request.POST or None, initial=initial, staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            mediation = services.mediation_register(
                case=case, actor=request.user, **form.cleaned_data
            )
        except ServiceError as exc:
            refused(request, exc)
        else:
            return redirect("consultation:mediation_detail", pk=mediation.pk)
    return render(
        request,
        "consultation/mediation_new.html",
        {"form": form, "case": case, "parties": case.parties.all()},
    )


def mediation_detail(request, pk: int):
    mediation = _mediation(request, pk)
    user = request.user
    case = mediation.case
    agreement = mediation.agreement_or_none
    sessions = list(
        mediation.sessions.select_related("mediator", "recorder").prefetch_related(
            "participants", "signatures"
        )
    )
    for session in sessions:
        session.pending = pending_signers(session)
    context = {
        "mediation": mediation,
        "case": case,
        "parties": case.parties.all(),
        "mediators": mediation.mediators.order_by("username"),
        "sessions": sessions,
        "agreement": agreement,
        "extensions": mediation.extensions.prefetch_related("consenting"),
        "visits": mediation.return_visits.select_related("recorded_by"),
        "checklist": mediation.checklist(),
        "dossier": getattr(mediation, "dossier_record", None),
        "can_mediate": can_mediate(mediation, user),
        "can_supervise": case_permissions.can_supervise_case(case, user),
        "can_archive": case_permissions.can_archive_case(case, user),
        "transitions": [
            t
            for t in mediation.get_available_user_status_transitions(user)
            if not t.custom.get("internal")
        ],
    }
    if agreement is not None:
        context["agreement_signatures"] = agreement.signatures.all()
        context["obligations"] = agreement.obligations.select_related("party")
        # Parties' signatures are recorded by the mediator; staff sign only for themselves.
        context["agreement_pending"] = [
            s for s in pending_signers(agreement) if s.party or s.user == user
        ]
        context["agreement_unmet"] = agreement.unmet() if not agreement.in_effect else []
        context["agreement_locked"] = bool(agreement.sealed_at or agreement.signatures.exists())
    if context["can_mediate"]:
        staff = case_selectors.officers_for(case)
        kwargs = {"mediation": mediation, "staff": staff}
        status = mediation.status
        if status in (MediationStatus.REGISTERED, MediationStatus.MEDIATING):
            context["notice_form"] = mf.NoticeForm(
                initial={"given_at": timezone.localtime().replace(second=0, microsecond=0)},
                **kwargs,
            )
            context["end_form"] = mf.EndForm()
        if status == MediationStatus.MEDIATING:
            context["session_form"] = mf.SessionForm(
                initial={"mediator": user.pk, "recorder": user.pk}, **kwargs
            )
            context["extension_form"] = mf.ExtensionForm(**kwargs)
            if agreement is None or not context["agreement_locked"]:
                initial = {}
                if agreement is not None:
                    initial = {
                        f: getattr(agreement, f)
                        for f in (
                            "facts",
                            "disputed_matters",
                            "performance_manner",
                            "performance_place",
                            "performance_deadline",
                        )
                    }
                    for o in agreement.obligations.all():
                        key = f"obligation_{o.party_id}"
                        initial[key] = (initial.get(key, "") + "\n" + o.text).strip()
                context["agreement_form"] = mf.AgreementForm(initial=initial, **kwargs)
        if status == MediationStatus.AGREED:
            context["visit_form"] = mf.ReturnVisitForm(
                initial={"visited_on": timezone.localdate()}, **kwargs
            )
            if agreement.judicial_status == "pending":
                context["judicial_form"] = mf.JudicialForm(
                    initial={"recorded_on": timezone.localdate()}, **kwargs
                )
        if status in (MediationStatus.AGREED, MediationStatus.ENDED) and context["dossier"] is None:
            context["report_form"] = mf.ClosingReportForm(
                initial={"text": mediation.closing_report}, **kwargs
            )
    if context["can_supervise"] and mediation.under_way:
        context["mediators_form"] = mf.MediatorsForm(
            initial={"mediators": [u.pk for u in context["mediators"]]},
            staff=case_selectors.officers_for(case),
        )
    return render(request, "consultation/mediation_detail.html", context)


@require_POST
def mediation_transition(request, pk: int, name: str):
    mediation = _mediation(request, pk)
    version = posted_version(request)
    params = {}
    if name == "end_without_agreement":
        form = mf.EndForm(request.POST)
        if not form.is_valid():
            form_errors(request, form)
            return _back(pk, "end")
        params = form.cleaned_data
    try:
        services.mediation_transition(
            mediation=mediation, name=name, actor=request.user, expected_version=version, **params
        )
    except ServiceError as exc:
        refused(request, exc)
    return _back(pk)


# One endpoint for the page's record forms: form class, service, and the anchor to return to.
RECORDS = {
    "notice": (mf.NoticeForm, "notice_record", "notice"),
    "session": (mf.SessionForm, "session_record", "sessions"),
    "extension": (mf.ExtensionForm, "extension_record", "time-limit"),
    "agreement": (mf.AgreementForm, "agreement_draft", "agreement"),
    "judicial": (mf.JudicialForm, "judicial_record", "agreement"),
    "return_visit": (mf.ReturnVisitForm, "return_visit_record", "visits"),
    "closing_report": (mf.ClosingReportForm, "closing_report_write", "report"),
    "mediators": (mf.MediatorsForm, "mediation_set_mediators", ""),
}


@require_POST
def mediation_record(request, pk: int, what: str):
    mediation = _mediation(request, pk)
    if what not in RECORDS:
        raise Http404
    form_class, service, anchor = RECORDS[what]
    form = form_class(
        request.POST, mediation=mediation, staff=case_selectors.officers_for(mediation.case)
    )
    if not form.is_valid():
        form_errors(request, form)
        return _back(pk, anchor)
    data = form.service_kwargs() if hasattr(form, "service_kwargs") else form.cleaned_data
    target = {"mediation": mediation}
    if what == "judicial":
        agreement = mediation.agreement_or_none
        if agreement is None:
            raise Http404
        target = {"agreement": agreement}
    try:
        getattr(services, service)(actor=request.user, **target, **data)
    except ServiceError as exc:
        refused(request, exc)
    return _back(pk, anchor)


@require_POST
def mediation_sign(request, pk: int, number: int | None = None):
    """A signature on session ``number``'s record, or on the agreement (no number)."""
    mediation = _mediation(request, pk)
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
    return _back(pk, "agreement" if number is None else "sessions")


@require_POST
def agreement_seal(request, pk: int):
    mediation = _mediation(request, pk)
    agreement = mediation.agreement_or_none
    if agreement is None:
        raise Http404
    try:
        services.agreement_seal(agreement=agreement, actor=request.user)
    except ServiceError as exc:
        refused(request, exc)
    return _back(pk, "agreement")


def agreement_pdf(request, pk: int):
    """The archived agreement (every copy) once in effect."""
    mediation = _mediation(request, pk)
    agreement = mediation.agreement_or_none
    record = getattr(agreement, "archive_record", None) if agreement is not None else None
    if record is None:
        raise Http404
    return serve_file(
        record.file,
        filename=f"{record.archival_number}.pdf",
        content_type="application/pdf",
        download=True,
    )


def dossier_pdf(request, pk: int):
    """The archived dossier, or before archiving a preview marked as a draft."""
    mediation = _mediation(request, pk)
    record = getattr(mediation, "dossier_record", None)
    if record is not None:
        return serve_file(
            record.file,
            filename=f"{record.archival_number}.pdf",
            content_type="application/pdf",
            download=True,
        )
    try:
        with translation.override("zh-hans"):
            content = mediation_documents.dossier_pdf(mediation, compiler=request.user, draft=True)
    except pdf.PdfUnavailable as exc:
        messages.error(request, exc.messages[0])
        return _back(pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="dossier-{mediation.year}-{mediation.serial}-draft.pdf"'
    )
    return response


@require_POST
def dossier_archive(request, pk: int):
    mediation = _mediation(request, pk)
    version = posted_version(request)
    try:
        record = services.dossier_archive(
            mediation=mediation, actor=request.user, expected_version=version
        )
    except ServiceError as exc:
        refused(request, exc)
    else:
        messages.success(
            request,
            _("Dossier archived as %(number)s; the case is archived.")
            % {"number": record.archival_number},
        )
    return _back(pk, "dossier")
