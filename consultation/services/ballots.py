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
from consultation import case_events, permissions, statute
from consultation.documents import ballots as ballot_documents
from consultation.models import (
    ArchiveRecord,
    Ballot,
    BallotCampaign,
    BallotChoice,
    BallotRuleSet,
    CampaignStatus,
    ElectorateEntry,
    Matter,
    Ownership,
    PublicityKind,
    SignerKind,
)
from consultation.selectors import compute_tally
from consultation.services import archive, publicity
from core import documents, pdf
from core.exceptions import ActionForbidden, TransitionRefused
from core.jobs import job
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


def _log(campaign: BallotCampaign, actor, code: str, params: dict, public: bool = False) -> None:
    CaseEvent.objects.create(
        case=campaign.case,
        kind=EventKind.NOTE,
        actor=actor,
        code=code,
        params=params,
        is_public=public,
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
    if matter in Matter.values:
        problems += statute.rule_problems(rule_set.as_rule(), statute.statutory_floor(matter))
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
        _log(campaign, actor, case_events.BALLOT_PREPARED, {"title": campaign.title})
    return campaign


def freeze_electorate(campaign: BallotCampaign) -> int:
    """Copy the units in scope (floor, area, owners as persons) into the ballot, with the head
    each counts towards (法释〔2009〕7号 Art. 9, ``statute.head_key``): from now on the ballot
    counts these rows, whatever later happens to the flats or their owners. A unit with no
    owner on the register is its own head under the names on the flat."""
    flats = list(
        Flat.objects.filter(place__path__startswith=campaign.scope.path)
        .select_related("place")
        .prefetch_related("owners")
    )
    holdings: dict[int, list] = {}
    for ownership in Ownership.objects.filter(flat__in=flats).select_related("owner"):
        owner = ownership.owner
        holdings.setdefault(ownership.flat_id, []).append(owner)
    entries = []
    for flat in flats:
        owners = sorted(holdings.get(flat.pk, []), key=lambda o: o.pk)
        unsold = bool(owners) and all(o.is_developer for o in owners)
        entries.append(
            ElectorateEntry(
                campaign=campaign,
                flat=flat,
                building=flat.place.full_name,
                number=flat.number,
                floor=flat.floor,
                area_m2=flat.area_m2,
                owners=[o.name for o in owners] or [o.name for o in flat.owners.all()],
                holders=[{"id": o.pk, "name": o.name, "kind": o.kind} for o in owners],
                head=statute.head_key(frozenset(o.pk for o in owners), developer_unsold=unsold)
                if owners
                else "",
                developer_unsold=unsold,
            )
        )
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
        params = {"title": locked.title, "status": locked.status}
        _log(locked, actor, case_events.BALLOT_MOVED, params, public=fired.public)
    return locked


@BALLOTS.after("open")
def ballot_open(campaign: BallotCampaign, *, actor) -> None:
    """What opening also does: freeze the electorate as the flats stand now."""
    freeze_electorate(campaign)


@BALLOTS.before("count")
def ballot_count(campaign: BallotCampaign, *, actor) -> dict:
    """What closing needs first: the exact tally (with its trace), stored by the transition."""
    return {"tally": compute_tally(campaign).as_dict()}


@BALLOTS.before("publish")
def ballot_publish_window(campaign: BallotCampaign, *, actor) -> dict:
    """The result's publicity window from the settings, stored as the objection deadline."""
    _days, _basis, first, last = publicity.window_for(
        PublicityKind.BALLOT_RESULT, timezone.localdate()
    )
    return {"window": (first, last)}


@BALLOTS.after("publish")
def ballot_publish(campaign: BallotCampaign, *, actor) -> None:
    """What publishing also does: post the result notice (公示) and archive the result sheet
    as PDF/A."""
    tally = campaign.tally or {}
    # The notice is posted for residents: its text is written in Chinese whoever publishes.
    with translation.override("zh-hans"):
        verdict = _("passed") if tally.get("verdict") else _("failed")
        summary = _("The owners' ballot “%(title)s” has %(verdict)s.") % {
            "title": campaign.title,
            "verdict": verdict,
        }
    publicity.post(
        actor=actor, kind=PublicityKind.BALLOT_RESULT, campaign=campaign, summary=summary
    )
    # The sheet is rendered by a job after the commit; what it prints that is drawn now —
    # its document number, the publication date — travels in the payload, so every
    # attempt prints the same.
    archive.request_archive(
        "ballot",
        campaign.pk,
        actor=actor,
        number=documents.issue_document_number("ballot_result"),
        date=timezone.localdate().isoformat(),
    )


def ballot_change_rule_set(
    *, campaign: BallotCampaign, actor, rule_set: BallotRuleSet, reason: str
) -> BallotCampaign:
    """Put a ballot that has not been counted under another rule set (a lawful one: the
    thresholds are arithmetic, the owners' votes do not depend on them), with a reason on the
    case's public log. A counted ballot keeps the rule and result it was counted under."""
    if not permissions.can_run_ballot(campaign, actor):
        raise ActionForbidden(_("You are not allowed to change this ballot's rule set."))
    open_states = {CampaignStatus.DRAFT, CampaignStatus.ANNOUNCED, CampaignStatus.COLLECTING}
    problems = []
    if campaign.status not in open_states:
        problems.append(_("A counted ballot keeps the rule it was counted under."))
    if not rule_set.active:
        problems.append(_("This rule set is no longer in use."))
    problems += statute.rule_problems(rule_set.as_rule(), statute.statutory_floor(campaign.matter))
    if not (reason or "").strip():
        problems.append(_("Give the reason for the change."))
    if problems:
        raise TransitionRefused(*problems)
    with transaction.atomic():
        locked = BallotCampaign.objects.select_for_update().get(pk=campaign.pk)
        old = locked.rule_set
        if locked.status not in open_states:
            raise TransitionRefused(_("A counted ballot keeps the rule it was counted under."))
        locked.rule_set = rule_set
        if locked.rule is not None:
            locked.rule = rule_set.as_rule()
        locked.version += 1
        locked.save(update_fields=["rule_set", "rule", "version"])
        _log(
            locked,
            actor,
            case_events.BALLOT_RULE_CHANGED,
            {
                "title": locked.title,
                "new": str(rule_set),
                "old": str(old),
                "reason": reason.strip(),
            },
            public=True,
        )
    return locked


def ballot_record(
    *,
    campaign: BallotCampaign,
    actor,
    entry: ElectorateEntry,
    choice: str,
    signer_kind: str = SignerKind.OWNER,
    signer_name: str = "",
    objection_reason: str = "",
    proxy_upload=None,
) -> Ballot:
    """Enter (or correct, while collecting) one unit's vote and who signed it: the owner, a
    co-owner (one vote for the unit: co-owners are one owner, 法释〔2009〕7号 Art. 9), or a
    proxy with a written mandate (the mandate's photo or PDF is required). Votes are taken
    from the opening day to the closing day."""
    if not permissions.can_run_ballot(campaign, actor):
        raise ActionForbidden(_("You are not allowed to enter ballots here."))
    if campaign.status != CampaignStatus.COLLECTING:
        raise TransitionRefused(_("Ballots are entered while the ballot is collecting."))
    if entry.campaign_id != campaign.pk:
        raise TransitionRefused(_("This flat is not in the ballot's electorate."))
    today = timezone.localdate()
    if today < campaign.opens_on:
        raise TransitionRefused(
            _("The ballot opens on %(day)s: no votes are taken before it opens.")
            % {"day": campaign.opens_on}
        )
    if today > campaign.closes_on:
        raise TransitionRefused(
            _("The ballot closed on %(day)s: votes after the closing day are not counted.")
            % {"day": campaign.closes_on}
        )
    problems = []
    if choice not in BallotChoice.values:
        problems.append(_("Choose agree, object or abstain."))
    signer_name = (signer_name or "").strip()
    owners = list(entry.owners)
    if signer_kind not in SignerKind.values:
        problems.append(_("Say who signed: the owner, a co-owner or a proxy."))
    elif signer_kind == SignerKind.PROXY:
        if not signer_name:
            problems.append(_("Give the proxy's name."))
        if proxy_upload is None and not (
            Ballot.objects.filter(entry=entry, owner="").exclude(proxy_evidence="").exists()
        ):
            problems.append(_("Attach the proxy's written mandate."))
    else:
        if not signer_name and len(owners) == 1:
            signer_name = owners[0]
        if owners and signer_name not in owners:
            problems.append(
                _("The signer must be one of the unit's owners on the register: %(names)s.")
                % {"names": "、".join(owners)}
            )
        elif not signer_name:
            problems.append(_("Give the signer's name."))
        if signer_kind == SignerKind.CO_OWNER and len(owners) < 2:
            problems.append(_("This unit has one owner on the register, not co-owners."))
    if choice == BallotChoice.OBJECT and not (objection_reason or "").strip():
        problems.append(_("An objection needs its reason."))
    if problems:
        raise TransitionRefused(*problems)
    accepted = None
    if proxy_upload is not None:
        clean_file_name(getattr(proxy_upload, "name", ""))
        accepted = inspect(proxy_upload)  # a photo comes back without EXIF/GPS
    fields = {
        "choice": choice,
        "objection_reason": objection_reason.strip() if choice == "object" else "",
        "signer_kind": signer_kind,
        "signer_name": signer_name,
        "by_proxy": signer_kind == SignerKind.PROXY,
        "collected_by": actor,
    }
    with transaction.atomic():
        # One vote per unit: the paper is keyed by the unit alone (owner="").
        ballot, created = Ballot.objects.select_for_update().get_or_create(
            entry=entry, owner="", defaults=fields
        )
        if not created:
            for name, value in fields.items():
                setattr(ballot, name, value)
            ballot.collected_at = timezone.now()
        if accepted is not None:
            ballot.proxy_content_type = accepted.content_type
            ballot.proxy_evidence.save("proxy", accepted.content, save=False)
        ballot.save()
    return ballot


def objection_add(*, campaign: BallotCampaign, actor, name: str, flat: str, text: str):
    """Record an objection to the published result while its notice is posted."""
    if not permissions.can_run_ballot(campaign, actor):
        raise ActionForbidden(_("You are not allowed to record objections here."))
    notice = campaign.publicities.filter(kind=PublicityKind.BALLOT_RESULT).first()
    if campaign.status != CampaignStatus.PUBLISHED or notice is None:
        raise TransitionRefused(_("Objections are received while the published result is open."))
    return publicity.objection_record(
        publicity=notice, actor=actor, name=name, flat=flat, text=text
    )


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


def archive_result(
    campaign: BallotCampaign, actor, *, number: str | None = None, date=None
) -> ArchiveRecord:
    """The published result sheet as PDF/A in the archive register: document number
    ``number`` (drawn now when not given) and date ``date`` (today when not given)."""

    if number is None:
        number = documents.issue_document_number("ballot_result")
    with translation.override("zh-hans"), pdf.signature_field():
        content = ballot_documents.result_pdf(campaign, number=number, date=date)
    return archive.register(
        content,
        title=f"业主表决结果 · {campaign.title}",
        retention_years=settings.LINLI["MEETING_RULES"]["hearing"]["retention_years"],
        actor=actor,
        ballot=campaign,
    )


@job(archive.BALLOT_RESULT_JOB, give_up_on=archive.GIVE_UP_ON)
def archive_result_job(*, ballot: int, actor: int, number: str, date: str) -> dict:
    """The job ``ballot_publish`` queues: the result sheet of published ballot ``ballot``
    with the document number and date drawn at publication, registered once (a second
    run finds the record)."""
    campaign = BallotCampaign.objects.select_for_update().get(pk=ballot)
    existing = ArchiveRecord.objects.filter(ballot=campaign).first()
    if existing is not None:
        return {"record": existing.pk, "already": True}
    record = archive_result(
        campaign, archive.archiver(actor), number=number, date=dt.date.fromisoformat(date)
    )
    return {"record": record.pk, "archival_number": record.archival_number}
