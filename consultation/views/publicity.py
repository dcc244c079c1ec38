"""Publicity pages: the public notice (no sign-in: a paper notice's content, nothing
personal) and its PDF; for staff, posting a meeting's result or an elevator plan, recording
objections and opening a coordination meeting on one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from casework.permissions import has_role
from casework.roles import Role
from consultation import selectors, services
from consultation.documents import notices
from consultation.forms import ballots as forms
from consultation.models import Publicity, PublicityKind, PublicityObjection
from core import pdf
from core.exceptions import ServiceError
from core.view_helpers import form_errors, refused


def _back(publicity: Publicity) -> str:
    if publicity.campaign_id:
        return reverse("consultation:ballot_detail", args=[publicity.campaign_id]) + "#publicity"
    return reverse("consultation:meeting_detail", args=[publicity.meeting_id]) + "#publicity"


def _public(code) -> Publicity:
    publicity = (
        Publicity.objects.select_related("campaign__scope", "campaign__rule_set", "meeting__place")
        .filter(code=code)
        .first()
    )
    if publicity is None:
        raise Http404
    return publicity


@login_not_required
@require_GET
def notice_public(request, code):
    """The notice as residents read it: public, by its unguessable code (no list of notices
    is public), with no owner's name or phone — unit numbers and the result only."""
    publicity = _public(code)
    return render(
        request,
        "consultation/notice_public.html",
        {"n": notices.notice_data(publicity), "publicity": publicity},
    )


@login_not_required
@require_GET
def notice_pdf(request, code):
    """The printable notice (PDF/A), for the stairwell's notice board."""
    publicity = _public(code)
    try:
        content = notices.notice_pdf(publicity)
    except pdf.PdfUnavailable as exc:
        raise Http404(exc.messages[0]) from exc
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{publicity.code}.pdf"'
    return response


@require_POST
def meeting_publicity(request, pk: int):
    """Post a held meeting's result."""
    meeting = get_object_or_404(selectors.meetings_visible_to(request.user), pk=pk)
    form = forms.NoticeForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
    else:
        try:
            services.meeting_result_post(
                meeting=meeting, actor=request.user, summary=form.cleaned_data["summary"]
            )
        except ServiceError as exc:
            refused(request, exc)
    return redirect(reverse("consultation:meeting_detail", args=[pk]) + "#publicity")


@require_POST
def ballot_plan(request, pk: int, kind: str):
    """Post an elevator plan's planning publicity or its comment period."""
    campaign = get_object_or_404(selectors.ballots_visible_to(request.user), pk=pk)
    if kind not in (PublicityKind.PLANNING, PublicityKind.COMMENTS):
        raise Http404
    form = forms.NoticeForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
    else:
        try:
            services.elevator_plan_post(
                campaign=campaign,
                actor=request.user,
                kind=kind,
                summary=form.cleaned_data["summary"],
            )
        except ServiceError as exc:
            refused(request, exc)
    return redirect(reverse("consultation:ballot_detail", args=[pk]) + "#publicity")


@require_POST
def publicity_objection(request, pk: int):
    """Record an objection received while a notice is posted."""
    publicity = get_object_or_404(selectors.publicities_visible_to(request.user), pk=pk)
    form = forms.ObjectionForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
    else:
        try:
            services.objection_record(publicity=publicity, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("Objection recorded."))
    return redirect(_back(publicity))


@require_POST
def objection_meeting(request, pk: int):
    """Open a coordination meeting on an objection, linked to the case."""
    objection = get_object_or_404(
        PublicityObjection.objects.filter(
            publicity__in=selectors.publicities_visible_to(request.user)
        ).select_related("publicity"),
        pk=pk,
    )
    form = forms.MeetingOnObjectionForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(_back(objection.publicity))
    try:
        meeting = services.objection_open_meeting(
            objection=objection, actor=request.user, **form.cleaned_data
        )
    except ServiceError as exc:
        refused(request, exc)
        return redirect(_back(objection.publicity))
    return redirect("consultation:meeting_detail", pk=meeting.pk)


def owner_merges(request):
    """Proposed owner merges (the same name on several units of one building) for staff to
    confirm or reject; nothing is merged without them."""
    if not has_role(request.user, Role.MEDIATOR, Role.SUPERVISOR):
        raise PermissionDenied(_("Only mediators and supervisors confirm owners."))
    proposals = list(selectors.merge_proposals_for(request.user)[:200])
    return render(request, "consultation/owner_merges.html", {"proposals": proposals})


@require_POST
def owner_merge_decide(request, pk: int):
    proposal = get_object_or_404(selectors.merge_proposals_for(request.user), pk=pk)
    try:
        services.merge_decide(
            proposal=proposal, actor=request.user, merge=request.POST.get("decision") == "merge"
        )
    except ServiceError as exc:
        refused(request, exc)
    return redirect("consultation:owner_merges")
