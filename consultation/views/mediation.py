"""People's mediation pages: the list, opening a mediation, the mediation's page with its
lifecycle, and one view per record the page writes (the notice, sessions, extensions,
return visits, the mediators). The agreement's views are in ``views.agreement``, the
dossier's in ``views.dossier``.

Mediations come from a scoped selector (not visible = 404: mediation content is
confidential to its mediators, the case's officer and the area's supervisors and
archivists); every write goes through ``consultation.services`` (not allowed = 403)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import permissions as case_permissions
from casework import selectors as case_selectors
from casework.calendar import unpublished_years_of
from consultation import selectors, services
from consultation.forms import mediation as mf
from consultation.models import Mediation, MediationStatus, dossier_checklist, pending_signers
from consultation.permissions import can_mediate
from consultation.services.mediation import MEDIATIONS
from core.exceptions import ServiceError
from core.view_helpers import done, form_errors, posted_version, refused


def visible_mediation(request, pk: int) -> Mediation:
    """The mediation ``pk`` if the user may read it (``selectors.mediations_visible_to``:
    mediation content is confidential), else 404."""
    return get_object_or_404(
        selectors.mediations_visible_to(request.user).select_related(
            "case", "case__place", "case__category"
        ),
        pk=pk,
    )


def back_to_mediation(pk: int, anchor: str = ""):
    """A redirect to the mediation's page, at ``anchor``."""
    return redirect(
        reverse("consultation:mediation_detail", args=[pk]) + (f"#{anchor}" if anchor else "")
    )


def record_form(request, mediation: Mediation, form_class, service, anchor: str, **target):
    """Validate ``form_class`` (built with the mediation and the area's staff) and call
    ``service`` with ``target`` (the mediation unless given) and the form's data; back to
    the mediation's page at ``anchor``."""
    form = form_class(
        request.POST, mediation=mediation, staff=case_selectors.officers_for(mediation.case)
    )
    if not form.is_valid():
        form_errors(request, form)
        return back_to_mediation(mediation.pk, anchor)
    data = form.service_kwargs() if hasattr(form, "service_kwargs") else form.cleaned_data
    try:
        service(actor=request.user, **(target or {"mediation": mediation}), **data)
    except ServiceError as exc:
        refused(request, exc)
    else:
        done(request)
    return back_to_mediation(mediation.pk, anchor)


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
    mediation = visible_mediation(request, pk)
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
        "checklist": dossier_checklist(mediation),
        "dossier": getattr(mediation, "dossier_record", None),
        "can_mediate": can_mediate(mediation, user),
        "can_supervise": case_permissions.can_supervise_case(case, user),
        "can_archive": case_permissions.can_archive_case(case, user),
        "transitions": MEDIATIONS.available(mediation, user),
        "withheld": [o for o in MEDIATIONS.offers(mediation, user) if not o.allowed],
    }
    if context["dossier"] is None and mediation.status in (
        MediationStatus.AGREED,
        MediationStatus.ENDED,
    ):
        # #21: the dossier is compiled by a job; while it has not filed it (or when it
        # refused, the case having changed meanwhile), say so.
        context["dossier_job"] = selectors.archive_job_of("dossier", mediation.pk)
    if agreement is not None and agreement.in_effect:
        context["agreement_record"] = getattr(agreement, "archive_record", None)
        if context["agreement_record"] is None:
            context["agreement_job"] = selectors.archive_job_of("agreement", agreement.pk)
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
        generating = context.get("dossier_job") and context["dossier_job"].status != "failed"
        if (
            status in (MediationStatus.AGREED, MediationStatus.ENDED)
            and context["dossier"] is None
            and not generating  # the job compiles the report as it stands
        ):
            context["report_form"] = mf.ClosingReportForm(
                initial={"text": mediation.closing_report}, **kwargs
            )
    if context["can_supervise"] and mediation.under_way:
        context["mediators_form"] = mf.MediatorsForm(
            initial={"mediators": [u.pk for u in context["mediators"]]},
            staff=case_selectors.officers_for(case),
        )
    context["unpublished_years"] = unpublished_years_of(
        mediation.due_date if mediation.under_way else None,
        mediation.return_visit_due,
        agreement.judicial_deadline if agreement is not None else None,
    )
    return render(request, "consultation/mediation_detail.html", context)


@require_POST
def mediation_transition(request, pk: int, name: str):
    mediation = visible_mediation(request, pk)
    version = posted_version(request)
    params = {}
    if name == "end_without_agreement":
        form = mf.EndForm(request.POST)
        if not form.is_valid():
            form_errors(request, form)
            return back_to_mediation(pk, "end")
        params = form.cleaned_data
    try:
        services.mediation_transition(
            mediation=mediation, name=name, actor=request.user, expected_version=version, **params
        )
    except ServiceError as exc:
        refused(request, exc)
    else:
        done(request)
    return back_to_mediation(pk)


@require_POST
def notice_record(request, pk: int):
    """Record that the parties were told their rights and duties."""
    mediation = visible_mediation(request, pk)
    return record_form(request, mediation, mf.NoticeForm, services.notice_record, "notice")


@require_POST
def session_record(request, pk: int):
    """Record a session and its record."""
    mediation = visible_mediation(request, pk)
    return record_form(request, mediation, mf.SessionForm, services.session_record, "sessions")


@require_POST
def extension_record(request, pk: int):
    """Extend the time limit with both sides' consent."""
    mediation = visible_mediation(request, pk)
    return record_form(
        request, mediation, mf.ExtensionForm, services.extension_record, "time-limit"
    )


@require_POST
def return_visit_record(request, pk: int):
    """Record a return visit."""
    mediation = visible_mediation(request, pk)
    return record_form(
        request, mediation, mf.ReturnVisitForm, services.return_visit_record, "visits"
    )


@require_POST
def mediators_set(request, pk: int):
    """Change the mediation's mediators (supervisors)."""
    mediation = visible_mediation(request, pk)
    return record_form(request, mediation, mf.MediatorsForm, services.mediation_set_mediators, "")
