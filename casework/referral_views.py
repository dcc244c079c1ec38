"""Referral pages: the street's side on the case page (dispatch, answer, supervise) and
the receiving organisation's inbox. An organisation's staff reach a referral only through
``selectors.referrals_visible_to``: another organisation's referral is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import selectors, services, waiting
from casework.calendar import unpublished_years_of
from casework.filters import ReferralFilter
from casework.forms import ReferralActionForm, SuperviseForm, dispatch_form_for
from casework.models import (
    OPEN_REFERRAL_STATUSES,
    Party,
    PartyRole,
    ReferralStatus,
    ReturnReason,
)
from casework.models.referrals import extension_refusal
from casework.views import PAGE_SIZE, visible_case
from core.exceptions import ServiceError
from core.view_helpers import done, form_errors, refused, serve_attachment

# ------------------------------------------------------------------- street side


def _case_referral(request, pk: int, referral_pk: int):
    case = visible_case(request, pk)
    return case, get_object_or_404(case.referrals.select_related("organisation"), pk=referral_pk)


@require_POST
def referral_dispatch(request, pk: int):
    case = visible_case(request, pk)
    form = dispatch_form_for(case, request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(reverse("casework:case_detail", args=[case.pk]) + "#referrals")
    data = form.cleaned_data
    try:
        referral = services.referral_dispatch(
            case=case,
            organisation=data["organisation"],
            actor=request.user,
            role=data["role"],
            kind=data["kind"],
            instructions=data["instructions"],
            needs_contact=data["needs_contact"],
            expected_version=data["version"],
        )
    except ServiceError as exc:
        refused(request, exc)
    else:
        messages.success(
            request,
            _("Referred to %(org)s; sign-for due %(due)s.")
            % {"org": referral.organisation.name, "due": referral.sign_due.isoformat()},
        )
    return redirect(reverse("casework:case_detail", args=[case.pk]) + "#referrals")


def _run_transition(request, referral, name: str) -> None:
    form = ReferralActionForm(request.POST)
    if not form.is_valid():
        if "version" in form.errors:
            raise Http404  # only a hand-made request leaves out the version
        form_errors(request, form)
        return
    data = form.cleaned_data
    params = {
        "reason": data["reason"],
        "return_reason": data["return_reason"],
        "days": data["days"],
        "reply": data["reply"],
    }
    try:
        if name == "send_reply":  # the reply carries its photos and files
            services.referral_reply(
                referral=referral,
                actor=request.user,
                reply=data["reply"],
                files=request.FILES.getlist("files"),
                expected_version=data["version"],
            )
        else:
            services.referral_transition(
                referral=referral,
                name=name,
                actor=request.user,
                expected_version=data["version"],
                **params,
            )
    except ServiceError as exc:
        refused(request, exc)
    else:
        done(request)


@require_POST
def referral_transition(request, pk: int, referral_pk: int, name: str):
    _case, referral = _case_referral(request, pk, referral_pk)
    transition = services.all_referral_transitions().get(name)
    if transition is None or transition.custom.get("side") != "street":
        raise Http404
    _run_transition(request, referral, name)
    return redirect(reverse("casework:case_detail", args=[pk]) + "#referrals")


@require_POST
def referral_supervise(request, pk: int, referral_pk: int):
    _case, referral = _case_referral(request, pk, referral_pk)
    form = SuperviseForm(request.POST)
    if form.is_valid():
        try:
            services.referral_supervise(
                referral=referral,
                actor=request.user,
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
        except ServiceError as exc:
            refused(request, exc)
        else:
            done(request)
    return redirect(reverse("casework:case_detail", args=[pk]) + "#referrals")


# ------------------------------------------------------------------------- inbox


def _inbox_referral(request, pk: int):
    return get_object_or_404(
        selectors.referrals_visible_to(request.user).select_related(
            "case", "case__category", "case__place", "case__assigned_officer", "organisation"
        ),
        pk=pk,
    )


# The order of the organisation's actions on a referral page: sign for before asking
# to return it.
ORGANISATION_ACTION_ORDER = {
    "sign_for": 0,
    "send_reply": 1,
    "request_extension": 2,
    "request_return": 3,
}


def inbox(request):
    base = selectors.referrals_visible_to(request.user)
    data = request.GET.copy() if request.GET else None
    referral_filter = ReferralFilter(data, queryset=base)
    queryset = base.filter(status__in=list(OPEN_REFERRAL_STATUSES))
    if referral_filter.is_bound:
        queryset = referral_filter.qs if referral_filter.is_valid() else base.none()
    if not request.GET.get("o"):
        queryset = queryset.order_by("reply_due", "id")
    queryset = queryset.select_related("case", "case__category", "case__place", "organisation")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "casework/inbox.html",
        {
            "filter": referral_filter,
            "page": page,
            "query": query.urlencode(),
            "unpublished_years": unpublished_years_of(*(r.current_due for r in page)),
            # What waits, counted in one query (casework.waiting).
            "waits": waiting.counts_for(request.user),
        },
    )


def inbox_detail(request, pk: int):
    referral = _inbox_referral(request, pk)
    case = referral.case
    contacts = []
    if referral.needs_contact:
        contacts = list(
            Party.objects.filter(case=case, role=PartyRole.APPLICANT)
            .exclude(phone="")
            .values("name", "phone")
        )
    actions = sorted(
        (
            t
            for t in services.available_referral_transitions(referral, request.user)
            if t.custom.get("side") == "organisation"
        ),
        # The work first (sign for, reply), then the requests (more time, return it).
        key=lambda t: ORGANISATION_ACTION_ORDER.get(t.name, len(ORGANISATION_ACTION_ORDER)),
    )
    context = {
        "referral": referral,
        "case": case,
        "events": selectors.referral_timeline(referral),
        # What the resident shared publicly, and the organisation's own files.
        "attachments": case.attachments.filter(Q(is_public=True) | Q(referral=referral)),
        "contacts": contacts,
        "actions": actions,
        "return_reasons": ReturnReason.choices,
        "street_phone": case.organisation.phone,
        "unpublished_years": unpublished_years_of(referral.current_due),
        "extension_refusal": extension_refusal(referral)
        if referral.status == ReferralStatus.SIGNED_FOR
        else "",
    }
    return render(request, "casework/inbox_detail.html", context)


@require_POST
def inbox_transition(request, pk: int, name: str):
    referral = _inbox_referral(request, pk)
    transition = services.all_referral_transitions().get(name)
    if transition is None or transition.custom.get("side") != "organisation":
        raise Http404
    _run_transition(request, referral, name)
    return redirect("casework:inbox_detail", pk=referral.pk)


def inbox_attachment(request, pk: int, attachment_pk: int):
    """A public attachment of the referred case (photos the resident or officer shared)."""
    referral = _inbox_referral(request, pk)
    attachment = get_object_or_404(
        referral.case.attachments.filter(Q(is_public=True) | Q(referral=referral)),
        pk=attachment_pk,
    )
    return serve_attachment(attachment)
