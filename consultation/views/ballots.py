"""Owner-consent ballot pages: scoped by the case's area (not visible = 404), every write
through ``consultation.services.ballots`` (not allowed = 403)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework import selectors as case_selectors
from casework.calendar import unpublished_years_of
from casework.models import PlaceKind
from consultation import selectors, services
from consultation.forms import ballots as forms
from consultation.models import (
    BallotRuleSet,
    CampaignStatus,
    ElectorateImport,
    ImportStatus,
    Matter,
    SignerKind,
    rule_below_floor,
)
from consultation.permissions import can_run_ballot
from consultation.services.ballots import BALLOTS
from core.exceptions import ServiceError
from core.view_helpers import done, form_errors, refused


def _campaign(request, pk: int):
    return get_object_or_404(
        selectors.ballots_visible_to(request.user).select_related(
            "case", "case__place", "scope", "rule_set"
        ),
        pk=pk,
    )


def _back(pk: int, anchor: str = "") -> str:
    return reverse("consultation:ballot_detail", args=[pk]) + (f"#{anchor}" if anchor else "")


def ballot_new(request):
    places = case_selectors.places_for(request.user).filter(
        kind__in=[PlaceKind.ESTATE, PlaceKind.BUILDING, PlaceKind.STAIRWELL]
    )
    initial = {"case": request.GET.get("case", "")[:20], "matter": Matter.ELEVATOR}
    major = BallotRuleSet.objects.filter(code="civil-code-278-major", active=True).first()
    if major is not None:
        initial["rule_set"] = major.pk
    form = forms.BallotForm(request.POST or None, initial=initial, places=places)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = (
            case_selectors.cases_visible_to(request.user)
            .filter(reference=data["case"].strip())
            .select_related("place")
            .first()
        )
        if case is None:
            form.add_error("case", _("No case with that reference in your area."))
        else:
            try:
                campaign = services.ballot_create(
                    actor=request.user,
                    case=case,
                    matter=data["matter"],
                    title=data["title"],
                    scope=data["scope"],
                    rule_set=data["rule_set"],
                    opens_on=data["opens_on"],
                    closes_on=data["closes_on"],
                )
            except ServiceError as exc:
                refused(request, exc)
            else:
                return redirect("consultation:ballot_detail", pk=campaign.pk)
    return render(request, "consultation/ballot_new.html", {"form": form})


def ballot_detail(request, pk: int):
    campaign = _campaign(request, pk)
    can_run = can_run_ballot(campaign, request.user)
    entries = list(campaign.electorate.prefetch_related("ballots"))
    live = (
        selectors.compute_tally(campaign).as_dict()
        if campaign.status == CampaignStatus.COLLECTING
        else None
    )
    context = {
        "campaign": campaign,
        "can_run": can_run,
        "entries": entries,
        "rule": campaign.rule or campaign.rule_set.as_rule(),
        "tally": campaign.tally or live,
        "live": live is not None,
        "transitions": BALLOTS.available(campaign, request.user),
        "withheld": [o for o in BALLOTS.offers(campaign, request.user) if not o.allowed],
        "shares": selectors.cost_shares(campaign),
        "coefficients": sorted(
            (
                campaign.floor_coefficients
                or selectors.default_coefficients([e.floor for e in entries])
            ).items(),
            key=lambda kv: int(kv[0]),
        ),
        "publicities": list(selectors.publicities_of(campaign=campaign)),
        "choices": forms.VoteForm.base_fields["choice"].choices,
        "signer_kinds": SignerKind.choices,
        "below_floor": rule_below_floor(campaign),
        "rule_sets": BallotRuleSet.objects.filter(active=True),
        "imports": campaign.imports.filter(status=ImportStatus.PREVIEW)[:5],
        "plan_steps": selectors.plan_steps(campaign),
        "archive_record": getattr(campaign, "archive_record", None)
        if campaign.status in {CampaignStatus.PUBLISHED, CampaignStatus.EFFECTIVE}
        else None,
    }
    if context["archive_record"] is None and campaign.status in {
        CampaignStatus.PUBLISHED,
        CampaignStatus.EFFECTIVE,
    }:
        # #21: the result sheet is rendered by a job; say where it is until it is filed.
        context["archive_job"] = selectors.archive_job_of("ballot", campaign.pk)
    context["unpublished_years"] = unpublished_years_of(
        campaign.opens_on, campaign.closes_on, *(p.ends_on for p in context["publicities"])
    )
    return render(request, "consultation/ballot_detail.html", context)


@require_POST
def ballot_transition(request, pk: int, name: str):
    campaign = _campaign(request, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    if version is None:
        messages.error(request, _("Reload the page and try again."))
        return redirect(_back(pk))
    try:
        services.ballot_transition(
            campaign=campaign, name=name, actor=request.user, expected_version=version
        )
    except ServiceError as exc:
        refused(request, exc)
    else:
        done(request)
    return redirect(_back(pk))


@require_POST
def ballot_vote(request, pk: int):
    campaign = _campaign(request, pk)
    form = forms.VoteForm(request.POST, request.FILES)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(_back(pk, "electorate"))
    data = form.cleaned_data
    entry = campaign.electorate.filter(pk=data["entry"]).first()
    if entry is None:
        messages.error(request, _("This flat is not in the ballot's electorate."))
        return redirect(_back(pk, "electorate"))
    try:
        services.ballot_record(
            campaign=campaign,
            actor=request.user,
            entry=entry,
            choice=data["choice"],
            signer_kind=data["signer_kind"] or SignerKind.OWNER,
            signer_name=data["signer_name"],
            objection_reason=data["objection_reason"],
            proxy_upload=data["proxy_evidence"],
        )
    except ServiceError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Ballot of %(flat)s recorded.") % {"flat": entry})
    return redirect(_back(pk, f"flat-{entry.pk}"))


@require_POST
def ballot_cost(request, pk: int):
    campaign = _campaign(request, pk)
    form = forms.CostForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect(_back(pk, "cost"))
    coefficients = {
        key.removeprefix("coef_"): value
        for key, value in request.POST.items()
        if key.startswith("coef_") and len(key) < 12
    }
    try:
        services.cost_set(
            campaign=campaign,
            actor=request.user,
            total_yuan=str(form.cleaned_data["total_yuan"]),
            coefficients=coefficients,
        )
    except ServiceError as exc:
        refused(request, exc)
    else:
        done(request)
    return redirect(_back(pk, "cost"))


@require_POST
def ballot_objection(request, pk: int):
    campaign = _campaign(request, pk)
    form = forms.ObjectionForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
    else:
        try:
            services.objection_add(campaign=campaign, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refused(request, exc)
        else:
            done(request)
    return redirect(_back(pk, "objections"))


def ballot_paper(request, pk: int):
    """Printable paper forms, one per flat, for door-to-door collection."""
    campaign = _campaign(request, pk)
    if not can_run_ballot(campaign, request.user):
        raise PermissionDenied(_("Only the ballot's officers print its forms."))
    return render(
        request,
        "consultation/ballot_paper.html",
        {
            "campaign": campaign,
            "entries": campaign.electorate.all(),
            "rule": campaign.rule or campaign.rule_set.as_rule(),
        },
    )


@require_POST
def ballot_rule_set(request, pk: int):
    """Put a ballot not yet counted under another (lawful) rule set, with a reason."""
    campaign = _campaign(request, pk)
    form = forms.RuleSetChangeForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
    else:
        try:
            services.ballot_change_rule_set(
                campaign=campaign,
                actor=request.user,
                rule_set=form.cleaned_data["rule_set"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            refused(request, exc)
    return redirect(_back(pk, "rule"))


def ballot_import(request, pk: int):
    """Upload the property register for the ballot's scope; a good file goes to its preview,
    a bad one is refused with every bad line named (nothing is kept)."""
    campaign = _campaign(request, pk)
    if not can_run_ballot(campaign, request.user):
        raise PermissionDenied(_("Only the ballot's officers import its electorate."))
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            imported = services.electorate_import_read(
                campaign=campaign, actor=request.user, upload=form.cleaned_data["register"]
            )
        except ServiceError as exc:
            refused(request, exc)
        else:
            return redirect("consultation:ballot_import_preview", pk=pk, import_pk=imported.pk)
    return render(request, "consultation/ballot_import.html", {"campaign": campaign, "form": form})


def ballot_import_preview(request, pk: int, import_pk: int):
    """What an import will do — merged owners, co-owned units, the developer's unsold units —
    and the buttons that apply or discard it."""
    campaign = _campaign(request, pk)
    if not can_run_ballot(campaign, request.user):
        raise PermissionDenied(_("Only the ballot's officers import its electorate."))
    imported = get_object_or_404(ElectorateImport, pk=import_pk, campaign=campaign)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "apply":
                units = services.electorate_import_apply(
                    electorate_import=imported, actor=request.user
                )
                messages.success(request, _("The register is applied: %(n)s units.") % {"n": units})
            else:
                services.electorate_import_discard(electorate_import=imported, actor=request.user)
                messages.info(request, _("The import was discarded."))
        except ServiceError as exc:
            refused(request, exc)
        return redirect(_back(pk, "electorate"))
    return render(
        request,
        "consultation/ballot_import_preview.html",
        {"campaign": campaign, "imported": imported, "preview": selectors.import_preview(imported)},
    )
