"""Consultation's reads. Every list and page takes its queryset from here, scoped by
casework's one visibility rule (``casework.selectors.in_area``); the tallies and cost
shares are computed here too."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Q, QuerySet
from django.utils import timezone

from casework.models import Party
from casework.permissions import grants
from casework.roles import Role
from casework.selectors import in_area, visible_place_ids
from consultation import tally
from consultation.models import ArchiveRecord, BallotCampaign, Mediation, Meeting
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
