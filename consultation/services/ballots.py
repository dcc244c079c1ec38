"""Every write to owner-consent ballots: create, move through the lifecycle (freezing the
electorate on opening, counting exactly on closing, archiving the result sheet on
publication), record ballots and objections, set the cost sharing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import Transition

from casework.models import Case, CaseEvent, EventKind, Flat, Place, PlaceKind
from casework.uploads import clean_file_name, inspect
from consultation import permissions
from consultation.documents import ballots as ballot_documents
from consultation.models import (
    ArchiveRecord,
    Ballot,
    BallotCampaign,
    BallotChoice,
    BallotObjection,
    BallotRuleSet,
    CampaignStatus,
    ElectorateEntry,
    Matter,
)
from consultation.selectors import compute_tally
from consultation.services import archive
from core import documents
from core.exceptions import ActionForbidden, TransitionRefused
from core.transitions import Machine

SCOPE_KINDS = {PlaceKind.ESTATE, PlaceKind.BUILDING, PlaceKind.STAIRWELL}


BALLOTS = Machine(
    BallotCampaign,
    not_possible=gettext_lazy("“%(action)s” is not possible while the ballot is %(status)s."),
    not_allowed=gettext_lazy("You are not allowed to “%(action)s” this ballot."),
    changed=gettext_lazy("This ballot was changed by someone else. Reload the page and try again."),
    related=("case", "case__place", "scope", "rule_set"),
)


def all_ballot_transitions() -> dict[str, Transition]:
    """Every declared ballot transition by name."""
    return BALLOTS.transitions()


def _log(campaign: BallotCampaign, actor, note: str, public: bool = False) -> None:
    CaseEvent.objects.create(
        case=campaign.case, kind=EventKind.NOTE, actor=actor, note=note, is_public=public
    )


def ballot_create(
    *,
    actor,
    case: Case,
    matter: str,
    title: str,
    scope: Place,
    rule_set: BallotRuleSet,
    opens_on: dt.date,
    closes_on: dt.date,
) -> BallotCampaign:
    """Prepare an owner-consent ballot on ``case``: the matter, the question, the scope and the
    rule set (checked before anything is saved)."""
    problems = []
    if matter not in Matter.values:
        problems.append(_("Choose the matter put to the vote."))
    if not (title or "").strip():
        problems.append(_("Write the question put to the owners."))
    if scope.kind not in SCOPE_KINDS:
        problems.append(_("The scope must be an estate, a building or a stairwell."))
    if closes_on < opens_on:
        problems.append(_("The ballot must close on or after the day it opens."))
    if not rule_set.active:
        problems.append(_("This rule set is no longer in use."))
    if problems:
        raise TransitionRefused(*problems)
    campaign = BallotCampaign(
        case=case,
        matter=matter,
        title=title.strip(),
        scope=scope,
        rule_set=rule_set,
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=actor,
    )
    if not permissions.can_run_ballot(campaign, actor):
        raise ActionForbidden(_("You cannot run ballots for this case."))
    if not permissions.covers_place(actor, scope):
        raise ActionForbidden(_("The scope must be in your area."))
    with transaction.atomic():
        campaign.save()
        _log(campaign, actor, _("Owner ballot prepared: %(title)s") % {"title": campaign.title})
    return campaign


def freeze_electorate(campaign: BallotCampaign) -> int:
    """Copy the flats in scope (floor, area, owners) into the ballot: from now on the
    ballot counts these rows, whatever later happens to the flats."""
    flats = (
        Flat.objects.filter(place__path__startswith=campaign.scope.path)
        .select_related("place")
        .prefetch_related("owners")
    )
    entries = [
        ElectorateEntry(
            campaign=campaign,
            flat=flat,
            building=flat.place.full_name,
            number=flat.number,
            floor=flat.floor,
            area_m2=flat.area_m2,
            owners=[o.name for o in flat.owners.all()],
        )
        for flat in flats
    ]
    ElectorateEntry.objects.bulk_create(entries)
    return len(entries)


def ballot_transition(
    *, campaign: BallotCampaign, name: str, actor, expected_version: int | None = None
) -> BallotCampaign:
    """Move the ballot along its lifecycle and note it on the case's log (publicly for the
    steps residents see: announced, result published, effective). Opening also freezes
    the electorate (``ballot_open``), closing counts it (``ballot_count``), publishing
    archives the result sheet (``ballot_publish``)."""
    with transaction.atomic():
        fired = BALLOTS.run(campaign, name, actor=actor, expected_version=expected_version)
        locked = fired.record
        note = _("Owner ballot “%(title)s”: %(status)s") % {
            "title": locked.title,
            "status": locked.get_status_display(),
        }
        _log(locked, actor, note, public=fired.public)
    return locked


@BALLOTS.after("open")
def ballot_open(campaign: BallotCampaign, *, actor) -> None:
    """What opening also does: freeze the electorate as the flats stand now."""
    freeze_electorate(campaign)


@BALLOTS.before("count")
def ballot_count(campaign: BallotCampaign, *, actor) -> dict:
    """What closing needs first: the exact tally (with its trace), stored by the transition."""
    return {"tally": compute_tally(campaign).as_dict()}


@BALLOTS.after("publish")
def ballot_publish(campaign: BallotCampaign, *, actor) -> None:
    """What publishing also does: archive the result sheet as PDF/A."""
    archive_result(campaign, actor)


def ballot_record(
    *,
    campaign: BallotCampaign,
    actor,
    entry: ElectorateEntry,
    choice: str,
    owner: str = "",
    objection_reason: str = "",
    by_proxy: bool = False,
    proxy_upload=None,
) -> Ballot:
    """Enter (or correct, while collecting) one flat's ballot."""
    if not permissions.can_run_ballot(campaign, actor):
        raise ActionForbidden(_("You are not allowed to enter ballots here."))
    if campaign.status != CampaignStatus.COLLECTING:
        raise TransitionRefused(_("Ballots are entered while the ballot is collecting."))
    if entry.campaign_id != campaign.pk:
        raise TransitionRefused(_("This flat is not in the ballot's electorate."))
    problems = []
    if choice not in BallotChoice.values:
        problems.append(_("Choose agree, object or abstain."))
    per_owner = bool(campaign.rule.get("vote_per_owner")) and len(entry.owners) > 1
    owner = (owner or "").strip()
    if per_owner and owner not in entry.owners:
        problems.append(_("Each co-owner votes here: choose which owner this ballot is from."))
    if not per_owner:
        owner = ""
    if choice == BallotChoice.OBJECT and not (objection_reason or "").strip():
        problems.append(_("An objection needs its reason."))
    if (
        by_proxy
        and proxy_upload is None
        and not Ballot.objects.filter(entry=entry, owner=owner).exclude(proxy_evidence="").exists()
    ):
        problems.append(_("Attach the proxy's authorisation."))
    if problems:
        raise TransitionRefused(*problems)
    accepted = None
    if proxy_upload is not None:
        clean_file_name(getattr(proxy_upload, "name", ""))
        accepted = inspect(proxy_upload)  # a photo comes back without EXIF/GPS
    with transaction.atomic():
        ballot, created = Ballot.objects.select_for_update().get_or_create(
            entry=entry,
            owner=owner,
            defaults={
                "choice": choice,
                "objection_reason": objection_reason.strip() if choice == "object" else "",
                "by_proxy": by_proxy,
                "collected_by": actor,
            },
        )
        if not created:
            ballot.choice = choice
            ballot.objection_reason = objection_reason.strip() if choice == "object" else ""
            ballot.by_proxy = by_proxy
            ballot.collected_by = actor
            ballot.collected_at = timezone.now()
        if accepted is not None:
            ballot.proxy_content_type = accepted.content_type
            ballot.proxy_evidence.save("proxy", accepted.content, save=False)
        ballot.save()
    return ballot


def objection_add(*, campaign: BallotCampaign, actor, name: str, flat: str, text: str):
    """Record an objection to the published result while its window is open."""
    if not permissions.can_run_ballot(campaign, actor):
        raise ActionForbidden(_("You are not allowed to record objections here."))
    if campaign.status != CampaignStatus.PUBLISHED or (
        campaign.objection_deadline and campaign.objection_deadline < timezone.localdate()
    ):
        raise TransitionRefused(_("Objections are received while the published result is open."))
    if not (name or "").strip() or not (text or "").strip():
        raise TransitionRefused(_("Give who objects and what the objection is."))
    with transaction.atomic():
        objection = BallotObjection.objects.create(
            campaign=campaign,
            name=name.strip(),
            flat=(flat or "").strip(),
            text=text.strip(),
            recorded_by=actor,
        )
        _log(campaign, actor, _("Objection to the ballot result from %(name)s.") % {"name": name})
    return objection


# ------------------------------------------------------------------ cost sharing


def cost_set(
    *, campaign: BallotCampaign, actor, total_yuan: str, coefficients: dict[str, str]
) -> BallotCampaign:
    """Set an elevator ballot's total cost and its cost coefficient per floor."""
    if not permissions.can_run_ballot(campaign, actor):
        raise ActionForbidden(_("You are not allowed to set the cost sharing."))
    if campaign.matter != Matter.ELEVATOR:
        raise TransitionRefused(_("Cost sharing by floor is for elevator retrofits."))
    try:
        total = Decimal(str(total_yuan).replace(",", "").strip())
    except InvalidOperation:
        raise TransitionRefused(_("Enter the total cost in yuan, e.g. 680000.00.")) from None
    if total < 0 or total != total.quantize(Decimal("0.01")) or total > Decimal("1e9"):
        raise TransitionRefused(_("Enter the total cost in yuan, e.g. 680000.00."))
    cleaned = {}
    for floor, value in coefficients.items():
        try:
            number = Decimal(str(value).strip())
            int(floor)
        except (InvalidOperation, ValueError):
            raise TransitionRefused(_("Coefficients are numbers, e.g. 0, 1, 1.2.")) from None
        if number < 0 or number > 100:
            raise TransitionRefused(_("Coefficients are numbers, e.g. 0, 1, 1.2."))
        cleaned[str(int(floor))] = str(number)
    with transaction.atomic():
        locked = BallotCampaign.objects.select_for_update().get(pk=campaign.pk)
        BallotCampaign.objects.filter(pk=locked.pk).update(
            total_cost_cents=int(total * 100),
            floor_coefficients=cleaned,
            version=locked.version + 1,
        )
    campaign.refresh_from_db()
    return campaign


# ------------------------------------------------------------------ result sheet


def archive_result(campaign: BallotCampaign, actor) -> ArchiveRecord:
    """The published result sheet as PDF/A in the archive register."""

    with translation.override("zh-hans"):
        content = ballot_documents.result_pdf(
            campaign, number=documents.issue_document_number("ballot_result")
        )
    return archive.register(
        content,
        title=f"业主表决结果 · {campaign.title}",
        retention_years=settings.LINLI["MEETING_RULES"]["hearing"]["retention_years"],
        actor=actor,
        ballot=campaign,
    )
