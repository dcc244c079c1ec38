"""Every write to owner-consent ballots: create, move through the lifecycle (freezing the
electorate on opening, counting exactly on closing, archiving the result sheet on
publication), record ballots and objections, set the cost sharing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, Transition

from casework import fsm
from casework.exceptions import ActionForbidden, ConcurrentChange, TransitionRefused
from casework.models import Case, CaseEvent, EventKind, Flat, Place, PlaceKind
from consultation import permissions, tally
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

SCOPE_KINDS = {PlaceKind.ESTATE, PlaceKind.BUILDING, PlaceKind.STAIRWELL}


def all_ballot_transitions() -> dict[str, Transition]:
    field = BallotCampaign._meta.get_field("status")
    return {t.name: t for t in field.get_all_transitions(BallotCampaign)}


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


def _lock(campaign: BallotCampaign, expected_version: int | None) -> BallotCampaign:
    locked = (
        BallotCampaign.objects.select_for_update()
        .select_related("case", "case__place", "scope", "rule_set")
        .get(pk=campaign.pk)
    )
    version = campaign.version if expected_version is None else expected_version
    if locked.version != version:
        raise ConcurrentChange(
            _("This ballot was changed by someone else. Reload the page and try again.")
        )
    return locked


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


def voters(campaign: BallotCampaign) -> list[tally.Voter]:
    """The voting units: one per flat, or one per co-owner when the rule says each owner
    votes (the flat's area then split equally among its owners, exactly)."""
    per_owner = bool((campaign.rule or campaign.rule_set.as_rule()).get("vote_per_owner"))
    entries = list(campaign.electorate.prefetch_related("ballots"))
    result = []
    for entry in entries:
        area = Fraction(entry.area_m2)
        by_owner = {b.owner: b.choice for b in entry.ballots.all()}
        if per_owner and len(entry.owners) > 1:
            share = area / len(entry.owners)
            for owner in entry.owners:
                result.append(tally.Voter(f"{entry.pk}:{owner}", share, by_owner.get(owner)))
        else:
            result.append(tally.Voter(str(entry.pk), area, by_owner.get("")))
    return result


def compute_tally(campaign: BallotCampaign) -> tally.Tally:
    rule = tally.Rule.from_dict(campaign.rule or campaign.rule_set.as_rule())
    return tally.count(voters(campaign), rule)


def ballot_transition(
    *, campaign: BallotCampaign, name: str, actor, expected_version: int | None = None
) -> BallotCampaign:
    transition = all_ballot_transitions().get(name)
    if transition is None:
        raise TransitionRefused(_("Unknown action."))
    with transaction.atomic():
        locked = _lock(campaign, expected_version)
        fsm.guard(
            locked,
            name,
            actor,
            not_possible=_("“%(action)s” is not possible while the ballot is %(status)s."),
            not_allowed=_("You are not allowed to “%(action)s” this ballot."),
        )
        params = {}
        if name == "count":
            params["tally"] = compute_tally(locked).as_dict()
        getattr(locked, name)(**params)
        locked.version += 1
        try:
            locked.save()
        except ConcurrentTransition as exc:
            raise ConcurrentChange() from exc
        if name == "open":
            freeze_electorate(locked)
        if name == "publish":
            archive_result(locked, actor)
        note = _("Owner ballot “%(title)s”: %(status)s") % {
            "title": locked.title,
            "status": locked.get_status_display(),
        }
        _log(locked, actor, note, public=name in {"announce", "publish", "make_effective"})
    return locked


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
    from casework.uploads import clean_file_name, inspect

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


def default_coefficients(floors: list[int]) -> dict[str, str]:
    """Ground floor exempt; the second floor pays at 1, each floor above 0.1 more (a common
    elevator practice; the street adjusts it per ballot)."""
    return {
        str(f): "0"
        if f <= 1
        else format((Decimal("1") + Decimal("0.1") * (f - 2)).normalize(), "f")
        for f in sorted(set(floors))
    }


def coefficient(campaign: BallotCampaign, floor: int) -> Fraction:
    table = campaign.floor_coefficients or {}
    if str(floor) in table:
        return Fraction(Decimal(str(table[str(floor)])))
    return Fraction(0) if floor <= 1 else Fraction(1)


def cost_set(
    *, campaign: BallotCampaign, actor, total_yuan: str, coefficients: dict[str, str]
) -> BallotCampaign:
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


def cost_shares(campaign: BallotCampaign) -> list[dict]:
    """Each flat's share of the total: coefficient(floor) × exclusive area, in whole fen that
    add up exactly to the total (largest remainder)."""
    entries = list(campaign.electorate.all())
    if campaign.total_cost_cents is None:
        return []
    weights = {str(e.pk): coefficient(campaign, e.floor) * Fraction(e.area_m2) for e in entries}
    shares = tally.split_cost(campaign.total_cost_cents, weights)
    return [
        {
            "entry": e,
            "coefficient": coefficient(campaign, e.floor),
            "cents": shares[str(e.pk)],
            "yuan": Decimal(shares[str(e.pk)]) / 100,
        }
        for e in entries
    ]


# ------------------------------------------------------------------ result sheet


def result_data(campaign: BallotCampaign) -> dict:
    entries = list(campaign.electorate.prefetch_related("ballots"))
    with translation.override("zh-hans"):
        return {
            "schema": "linli.ballot-result/1",
            "case": campaign.case.reference,
            "title": campaign.title,
            "matter": campaign.get_matter_display(),
            "scope": campaign.scope.full_name,
            "opens_on": campaign.opens_on.isoformat(),
            "closes_on": campaign.closes_on.isoformat(),
            "rule": campaign.rule,
            "tally": campaign.tally,
            "objection_deadline": campaign.objection_deadline.isoformat()
            if campaign.objection_deadline
            else None,
            "electorate": [
                {
                    "flat": f"{e.building} {e.number}",
                    "floor": e.floor,
                    "area_m2": str(e.area_m2),
                    "votes": [
                        {"owner": b.owner, "choice": b.get_choice_display()}
                        for b in e.ballots.all()
                    ],
                }
                for e in entries
            ],
            "cost": [
                {"flat": f"{r['entry'].building} {r['entry'].number}", "yuan": str(r["yuan"])}
                for r in cost_shares(campaign)
            ],
        }


def archive_result(campaign: BallotCampaign, actor) -> ArchiveRecord:
    """The published result sheet as PDF/A in the archive register."""
    from consultation import pdf
    from consultation.archive import register

    data = result_data(campaign)
    with translation.override("zh-hans"):
        html = render_to_string("consultation/pdf/ballot_result.html", {"r": data})
        content = pdf.html_to_pdf(
            html,
            title=campaign.title,
            attachment_name=f"ballot-{campaign.pk}.json",
            data=data,
        )
    return register(
        content,
        title=f"业主表决结果 · {campaign.title}",
        retention_years=settings.LINLI["MEETING_RULES"]["hearing"]["retention_years"],
        actor=actor,
        ballot=campaign,
    )
