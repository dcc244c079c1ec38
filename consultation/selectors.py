"""Consultation's reads. Every list and page takes its queryset from here, scoped by
casework's one visibility rule (``casework.selectors.in_area``); the tallies and cost
shares are computed here too."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from casework.models import Membership, Party
from casework.permissions import grants
from casework.roles import Role
from casework.selectors import in_area, officers_for, visible_place_ids
from consultation import tally
from consultation.models import (
    ArchiveRecord,
    BallotCampaign,
    ElectorateImport,
    Mediation,
    Meeting,
    MergeStatus,
    OwnerMergeProposal,
    Publicity,
    PublicityKind,
)
from consultation.models.archive import ARCHIVE_JOBS
from core.models import Job, JobStatus
from core.names import person_name


def meetings_visible_to(user) -> QuerySet[Meeting]:
    """Meetings whose matter lies in the user's area (the place of their first case)."""
    return in_area(Meeting.objects.all(), user)


def archive_visible_to(user) -> QuerySet[ArchiveRecord]:
    """Archived documents of the user's area, whatever they archive (minutes, a ballot's
    result, a mediation agreement or dossier)."""
    if not user.is_authenticated:
        return ArchiveRecord.objects.none()
    if user.is_superuser:
        return ArchiveRecord.objects.all()
    ids = visible_place_ids(user)
    return ArchiveRecord.objects.filter(
        Q(minutes__meeting__place_id__in=ids)
        | Q(ballot__case__place_id__in=ids)
        | Q(agreement__mediation__case__place_id__in=ids)
        | Q(dossier__case__place_id__in=ids)
    )


def ballots_visible_to(user) -> QuerySet[BallotCampaign]:
    """Owner ballots of cases in the user's area."""
    return in_area(BallotCampaign.objects.all(), user, "case__place")


def mediations_visible_to(user) -> QuerySet[Mediation]:
    """Who may read a mediation — the one rule (its pages, the dashboard's reminders):
    mediation content is confidential (DOMAIN.md §4), so supervisors and archivists see
    their area's mediations, a mediator only those they sit on or whose case they work."""
    area = in_area(Mediation.objects.all(), user, "case__place")
    if not user.is_authenticated or user.is_superuser:
        return area
    overseen = [
        p for g in grants(user) if g.role in (Role.SUPERVISOR, Role.ARCHIVIST) for p in g.paths
    ]
    if overseen and all(
        any(path.startswith(top) for top in overseen) for g in grants(user) for path in g.paths
    ):
        # They oversee every place of their area: all of its mediations, without testing
        # each row again (at 20,000 mediations that test cost the dashboard ~25 ms a panel).
        return area
    q = Q(mediators=user) | Q(case__assigned_officer=user)
    for path in sorted(set(overseen)):
        q |= Q(case__place__path__startswith=path)
    return area.filter(pk__in=area.filter(q).values("pk"))


def judicial_reminders_for(user, today=None):
    """Mediations ``user`` may read whose agreement is in effect and whose 30-day window for
    joint judicial confirmation (司法确认) is open and undecided, soonest first:
    (case id, case reference, mediation number, deadline)."""
    today = today or timezone.localdate()
    return (
        mediations_visible_to(user)
        .filter(
            agreement__effective_at__isnull=False,
            agreement__judicial_status="pending",
            agreement__judicial_deadline__gte=today,
        )
        .order_by("agreement__judicial_deadline")
        .values("case_id", "case__reference", "number", "agreement__judicial_deadline")
    )


# Which invitee category a case's party is offered under.
PARTY_INVITEE_CATEGORY = {
    "resident": "resident",
    "enterprise": "local_unit",
    "property_company": "property_company",
    "owners_committee": "owners_committee",
}


def invitee_suggestions(meeting: Meeting) -> list[dict]:
    """The people a meeting's organiser is offered to invite in one click: the linked
    cases' parties and their case officers, those already invited left out (by name).
    Two queries, whatever the number of cases."""
    invited = set(meeting.invitees.values_list("name", flat=True))
    found, seen = [], set()
    cases = list(meeting.cases.select_related("assigned_officer", "organisation"))
    parties = Party.objects.filter(case__in=cases).order_by("case_id", "role", "id")
    for party in parties:
        if party.name in invited or party.name in seen:
            continue
        seen.add(party.name)
        found.append(
            {
                "name": party.name,
                "category": PARTY_INVITEE_CATEGORY.get(party.kind, "resident"),
                "affiliation": party.get_role_display(),
            }
        )
    for case in cases:
        officer = case.assigned_officer
        name = person_name(officer) if officer else ""
        if name and name not in invited and name not in seen:
            seen.add(name)
            found.append(
                {"name": name, "category": "observer", "affiliation": case.organisation.name}
            )
    return found


def return_visits_overdue_for(user, today=None):
    """Mediations ``user`` may read whose return visit (回访) is overdue, oldest first:
    (case id, case reference, mediation number, due date)."""
    today = today or timezone.localdate()
    return (
        mediations_visible_to(user)
        .filter(status="agreed", return_visit_due__lt=today, return_visits__isnull=True)
        .order_by("return_visit_due")
        .values("case_id", "case__reference", "number", "return_visit_due")
    )


def sheet_tally(meeting: Meeting) -> dict:
    """Sheets issued / returned / valid, and each criterion's average over valid sheets
    (as an exact Decimal rounded to two places)."""
    sheets = list(meeting.sheets.prefetch_related("scores"))
    valid = [s for s in sheets if s.valid]
    rows = []
    for criterion in meeting.criteria.all():
        values = [
            sc.score for s in valid for sc in s.scores.all() if sc.criterion_id == criterion.pk
        ]
        average = (
            (Decimal(sum(values)) / Decimal(len(values))).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
            if values
            else None
        )
        rows.append({"criterion": criterion.name, "count": len(values), "average": average})
    return {
        "issued": len(sheets),
        "returned": sum(1 for s in sheets if s.returned),
        "valid": len(valid),
        "criteria": rows,
    }


# ---------------------------------------------------------------------- ballots


def _unit_choice(choices: list[str]) -> str | None:
    """A unit's one vote. Papers from before co-owners were one head (a rule set could let
    each co-owner vote) are read the way a head is: all agree → agree, any objection →
    object, else abstain."""
    if not choices:
        return None
    if set(choices) == {tally.AGREE}:
        return tally.AGREE
    return tally.OBJECT if tally.OBJECT in choices else tally.ABSTAIN


def voters(campaign: BallotCampaign) -> list[tally.Voter]:
    """The voting units of the frozen electorate: one per exclusive unit with its area, its
    vote and the head it counts towards (法释〔2009〕7号 Art. 9, fixed when the ballot opened)."""
    entries = list(campaign.electorate.prefetch_related("ballots"))
    return [
        tally.Voter(
            key=str(entry.pk),
            area=Fraction(entry.area_m2),
            choice=_unit_choice([b.choice for b in entry.ballots.all()]),
            head=entry.head,
            head_name=head_name(entry),
        )
        for entry in entries
    ]


def head_name(entry) -> str:
    """How the owner a unit counts towards is named in the trace (the developer's unsold
    units under one name)."""
    if entry.developer_unsold:
        names = [h["name"] for h in entry.holders] or [""]
        return f"{names[0]}（未售）" if names[0] else "开发建设单位（未售）"
    names = [h["name"] for h in entry.holders] or list(entry.owners)
    return "、".join(names) or f"{entry.building} {entry.number}"


def compute_tally(campaign: BallotCampaign) -> tally.Tally:
    """The ballot's exact tally (Civil Code Art. 278) over its frozen electorate and the
    ballots entered."""
    rule = tally.Rule.from_dict(campaign.rule or campaign.rule_set.as_rule())
    return tally.count(voters(campaign), rule)


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
    """A floor's cost coefficient: the ballot's table, else 0 for the ground floor and 1 above."""
    table = campaign.floor_coefficients or {}
    if str(floor) in table:
        return Fraction(Decimal(str(table[str(floor)])))
    return Fraction(0) if floor <= 1 else Fraction(1)


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


# ---------------------------------------------------------------------- owners


def owner_identity(row: dict) -> str:
    """Who a register row's owner is within one file: the identity key when there is one,
    else the name (same name without a key = one owner, shown as such in the preview)."""
    if row["unsold"]:
        return "developer"
    return f"key:{row['identity']}" if row["identity"] else f"name:{row['owner']}"


def import_preview(imported: ElectorateImport) -> dict:
    """What applying an electorate import will do: the owners with more than one unit (one
    head each, 法释〔2009〕7号 Art. 9), the units with several owners (one head), and the
    developer's unsold units (one head together)."""
    units: dict[tuple, dict] = {}
    owners: dict[str, dict] = {}
    for row in imported.rows:
        key = (row["place"], row["flat"])
        unit = units.setdefault(
            key,
            {
                "label": f"{row['building']} {row['flat']}",
                "floor": row["floor"],
                "area": Decimal(row["area"]),
                "owners": [],
                "unsold": False,
            },
        )
        unit["owners"].append(row["owner"])
        unit["unsold"] = unit["unsold"] or row["unsold"]
        ident = owner_identity(row)
        owner = owners.setdefault(
            ident,
            {"name": row["owner"], "identity": row["identity"], "units": [], "by_name": False},
        )
        owner["units"].append(unit["label"])
        owner["by_name"] = ident.startswith("name:")
    merged = [o for k, o in owners.items() if len(set(o["units"])) > 1 and k != "developer"]
    return {
        "units": len(units),
        "rows": len(imported.rows),
        "area": sum((u["area"] for u in units.values()), Decimal(0)),
        "merged": merged,
        "co_owned": [u for u in units.values() if len(set(u["owners"])) > 1],
        "unsold": [u for u in units.values() if u["unsold"]],
        "owner_count": len(owners),
    }


def merge_proposals_for(user) -> QuerySet[OwnerMergeProposal]:
    """Proposed owner merges in the user's area, undecided first."""
    ids = visible_place_ids(user) if not user.is_superuser else None
    qs = OwnerMergeProposal.objects.select_related("building").prefetch_related(
        "owners__ownerships__flat__place"
    )
    if ids is not None:
        qs = qs.filter(building_id__in=ids)
    return qs.order_by("status", "building__path", "name")


def open_merge_count(user) -> int:
    return merge_proposals_for(user).filter(status=MergeStatus.PROPOSED).count()


# ---------------------------------------------------------------------- publicity


def publicities_of(*, campaign=None, meeting=None) -> list[Publicity]:
    """A ballot's or meeting's notices with their objections (and the meetings those led to)."""
    qs = (
        Publicity.objects.filter(campaign=campaign)
        if campaign
        else Publicity.objects.filter(meeting=meeting)
    )
    return list(qs.prefetch_related("objections__meeting", "objections__recorded_by"))


def publicities_visible_to(user) -> QuerySet[Publicity]:
    """Notices of ballots and meetings in the user's area."""
    return Publicity.objects.filter(
        Q(campaign__in=ballots_visible_to(user)) | Q(meeting__in=meetings_visible_to(user))
    )


def plan_steps(campaign: BallotCampaign) -> list[dict]:
    """An elevator ballot's steps after the agreement: the result's objection period, the
    planning publicity, the comment period — each posted or not, from when to when."""
    if campaign.matter != "elevator":
        return []
    today = timezone.localdate()
    by_kind = {p.kind: p for p in campaign.publicities.all()}
    steps = []
    for kind in (PublicityKind.BALLOT_RESULT, PublicityKind.PLANNING, PublicityKind.COMMENTS):
        p = by_kind.get(kind)
        steps.append(
            {
                "kind": kind,
                "label": PublicityKind(kind).label,
                "publicity": p,
                "ended": p is not None and p.ends_on < today,
            }
        )
    return steps


def meeting_staff(*, organisations, case=None):
    """Who may chair or record a meeting: the active members of ``organisations`` and, with
    ``case``, the mediators and supervisors covering its place — by name, for a picker."""
    members = Membership.objects.filter(active=True, organisation__in=organisations)
    ids = Q(pk__in=members.values("user_id"))
    if case is not None:
        ids |= Q(pk__in=officers_for(case).values("pk"))
    return (
        get_user_model()
        .objects.filter(ids, is_active=True)
        .select_related("profile")
        .order_by("last_name", "first_name", "username")
    )


def archive_job_of(owner: str, pk: int) -> Job | None:
    """The job still to archive ``owner`` ``pk``'s document (``owner`` as ArchiveRecord
    names it: minutes, ballot, agreement, dossier) — waiting, running, or failed — or None
    (done, or never asked for). Its pages ask only while the record is missing: one query,
    on the few jobs not done (the job table's status index)."""
    return (
        Job.objects.filter(
            kind=ARCHIVE_JOBS[owner],
            status__in=[JobStatus.PENDING, JobStatus.RUNNING, JobStatus.FAILED],
            **{f"payload__{owner}": pk},
        )
        .order_by("-id")
        .first()
    )
