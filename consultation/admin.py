from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from consultation.models import (
    ArchiveRecord,
    BallotCampaign,
    BallotRuleSet,
    Mediation,
    Meeting,
    Minutes,
)
from core.admin import ReadOnlyAdminMixin


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
    list_display = ["archival_number", "title", "format", "archived_at", "retention_label", "size"]
    search_fields = ["archival_number", "title"]


@admin.register(BallotRuleSet)
class BallotRuleSetAdmin(SimpleHistoryAdmin):
    """Rule sets are data a street may extend (a stricter local rule is a new code or a new
    version); one that a ballot used can no longer be edited (the model refuses)."""

    list_display = [
        "name",
        "code",
        "version",
        "participation_area",
        "participation_heads",
        "approval_area",
        "approval_heads",
        "no_explicit_objection",
        "active",
    ]
    list_filter = ["active"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and BallotCampaign.objects.filter(rule_set=obj).exists():
            return False  # in use: shown read-only; add a new version instead
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BallotCampaign)
class BallotCampaignAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "matter", "status", "opens_on", "closes_on"]
    list_filter = ["matter", "status"]


@admin.register(Mediation)
class MediationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Mediations change only through their page (every step logged on the case)."""

    list_display = ["number", "case", "status", "due_date", "return_visit_due"]
    list_filter = ["status"]
    search_fields = ["number", "case__reference"]
