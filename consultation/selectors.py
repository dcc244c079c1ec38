"""Reads for meetings: scoped like cases, by the place of the matter."""

from django.db.models import QuerySet

from casework import selectors as case_selectors
from consultation.models import ArchiveRecord, Meeting


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
    return ArchiveRecord.objects.filter(
        minutes__meeting__place_id__in=case_selectors._visible_place_ids(user)
    )
