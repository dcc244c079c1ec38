from django.contrib import admin

from casework.admin import ReadOnlyAdminMixin
from consultation.models import ArchiveRecord, Meeting, Minutes


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Meetings change through their pages (lifecycle, record, event log)."""

    list_display = ["topic", "kind", "starts_at", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["topic"]


@admin.register(Minutes)
class MinutesAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Approved minutes never change; drafts are written on the minutes page."""

    list_display = ["meeting", "number", "status", "approved_at", "superseded_by"]
    list_filter = ["status"]


@admin.register(ArchiveRecord)
class ArchiveRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["archival_number", "title", "archived_at", "retention_years", "size"]
    search_fields = ["archival_number", "title"]
