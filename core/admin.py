from django.contrib import admin

from core.models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Read-only: the record is append-only (supervisors read it at /reports/security/)."""

    list_display = ["created_at", "kind", "actor", "username", "address", "object_type", "path"]
    list_filter = ["kind"]
    search_fields = ["username", "address", "path"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
