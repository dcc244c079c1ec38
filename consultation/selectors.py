"""Reads for meetings: scoped like cases, by the place of the matter."""

from django.db.models import Q, QuerySet

from casework import selectors as case_selectors
from consultation.models import ArchiveRecord, BallotCampaign, Meeting


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
        Q(minutes__meeting__place_id__in=ids) | Q(ballot__case__place_id__in=ids)
    )


def ballots_visible_to(user) -> QuerySet[BallotCampaign]:
    if not user.is_authenticated:
        return BallotCampaign.objects.none()
    if user.is_superuser:
        return BallotCampaign.objects.all()
    return BallotCampaign.objects.filter(case__place_id__in=case_selectors._visible_place_ids(user))
