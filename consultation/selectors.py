"""Reads for meetings: scoped like cases, by the place of the matter."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet

from casework import selectors as case_selectors
from casework.permissions import grants
from casework.roles import Role
from consultation.models import ArchiveRecord, BallotCampaign, Mediation, Meeting


def meetings_visible_to(user) -> QuerySet[Meeting]:
    if not user.is_authenticated:
        return Meeting.objects.none()
    if user.is_superuser:
        return Meeting.objects.all()
    return Meeting.objects.filter(place_id__in=case_selectors._visible_place_ids(user))


def archive_visible_to(user) -> QuerySet[ArchiveRecord]:
    if not user.is_authenticated:
        return ArchiveRecord.objects.none()
    if user.is_superuser:
        return ArchiveRecord.objects.all()
    ids = case_selectors._visible_place_ids(user)
    return ArchiveRecord.objects.filter(
        Q(minutes__meeting__place_id__in=ids)
        | Q(ballot__case__place_id__in=ids)
        | Q(agreement__mediation__case__place_id__in=ids)
        | Q(dossier__case__place_id__in=ids)
    )


def ballots_visible_to(user) -> QuerySet[BallotCampaign]:
    if not user.is_authenticated:
        return BallotCampaign.objects.none()
    if user.is_superuser:
        return BallotCampaign.objects.all()
    return BallotCampaign.objects.filter(case__place_id__in=case_selectors._visible_place_ids(user))


def mediations_visible_to(user) -> QuerySet[Mediation]:
    """Mediation content is confidential (DOMAIN.md §4): supervisors and archivists see
    their area's mediations; a mediator only those they sit on or whose case they work."""
    if not user.is_authenticated:
        return Mediation.objects.none()
    if user.is_superuser:
        return Mediation.objects.all()
    in_area = Mediation.objects.filter(case__place_id__in=case_selectors._visible_place_ids(user))
    overseen = [
        p for g in grants(user) if g.role in (Role.SUPERVISOR, Role.ARCHIVIST) for p in g.paths
    ]
    q = Q(mediators=user) | Q(case__assigned_officer=user)
    for path in sorted(set(overseen)):
        q |= Q(case__place__path__startswith=path)
    return in_area.filter(pk__in=in_area.filter(q).values("pk"))


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
