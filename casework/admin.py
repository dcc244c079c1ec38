"""Admin: reference data is editable; cases and events are read-only records.

Status is never editable here — the only way to move a case is the service layer.
Configuration (places, organisations, memberships, categories, the calendar, API tokens)
keeps a history of who changed what, before and after: the "History" button of each row.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from simple_history.admin import SimpleHistoryAdmin

from casework.api_auth import issue_token
from casework.models import (
    ApiToken,
    CalendarDay,
    CalendarYear,
    Case,
    CaseEvent,
    Category,
    Flat,
    FlatOwner,
    Grid,
    HotlineCategoryMap,
    HotlineOrder,
    HotlineOutbox,
    Membership,
    Organisation,
    Party,
    Place,
    Referral,
    SmsMessage,
    SmsStatus,
    mask_phone,
)
from casework.sms import resend
from core.admin import ReadOnlyAdminMixin, TwoFactorUserAdminMixin
from core.models import Profile

# The reason on each row's first history record (migrations 0019 here and 0006 in
# consultation), translated when the history page shows it.
gettext_noop("Baseline: the state when history began")


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    search_fields = ["name"]
    filter_horizontal = ["workers"]  # who patrols the cell (casework.grid)


@admin.register(Place)
class PlaceAdmin(SimpleHistoryAdmin):
    list_display = ["full_name", "kind", "grid", "building_head", "latitude", "longitude"]
    list_filter = ["kind", "grid"]
    search_fields = ["name", "full_name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["full_name", "path"]

    def has_delete_permission(self, request, obj=None):
        # Cases and history point at places; rename or move them instead.
        return False


class FlatOwnerInline(admin.TabularInline):
    model = FlatOwner
    extra = 0


@admin.register(Flat)
class FlatAdmin(admin.ModelAdmin):
    list_display = ["__str__", "floor", "area_m2"]
    search_fields = ["number", "place__full_name"]
    autocomplete_fields = ["place"]
    inlines = [FlatOwnerInline]


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    filter_horizontal = ["places"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organisation", "role", "active"]
    list_filter = ["role", "active", "organisation__kind"]
    search_fields = ["user__username", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "name_zh", "time_limit_days", "default_org_kind", "active"]
    list_editable = ["time_limit_days", "active"]
    search_fields = ["code", "name", "name_zh"]


class PartyInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Party
    fk_name = "case"
    fields = ["role", "kind", "name", "merged_from"]
    extra = 0


class CaseEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaseEvent
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "note", "is_public"]
    extra = 0


@admin.register(Case)
class CaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "status", "category", "place", "assigned_officer", "created_at"]
    list_filter = ["status", "category", "channel", "priority"]
    search_fields = ["reference", "external_ref"]
    list_select_related = ["category", "place", "assigned_officer"]
    date_hierarchy = "created_at"
    exclude = ["status_code_hash"]
    inlines = [PartyInline, CaseEventInline]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "kind", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["kind", "to_status"]
    search_fields = ["case__reference"]
    list_select_related = ["case", "actor"]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Referrals change only through the pages (the state machine and its event log)."""

    list_display = ["case", "organisation", "role", "status", "sign_due", "reply_due"]
    list_filter = ["status", "role", "under_supervision", "organisation__kind"]
    search_fields = ["case__reference", "organisation__name"]
    list_select_related = ["case", "organisation"]


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    list_display = ["year", "published", "source"]


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "is_working", "name"]
    list_filter = ["is_working"]
    date_hierarchy = "date"
    search_fields = ["name"]


class ProfileInline(admin.StackedInline):
    """The display name (core.names): edited with the account, one per user."""

    model = Profile
    can_delete = False
    extra = 1
    max_num = 1
    verbose_name_plural = _("profile")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]
    verbose_name_plural = _("memberships")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(TwoFactorUserAdminMixin, BaseUserAdmin):
    inlines = [*BaseUserAdmin.inlines, ProfileInline, MembershipInline]
    list_display = [*BaseUserAdmin.list_display, "two_factor"]


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin):
    """Create a token (the key is shown once, on the next page) or revoke one."""

    list_display = ["organisation", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["organisation"]
    fields = ["organisation", "name", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return ["organisation", "name"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the record of which system acted stays

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = issue_token(organisation=obj.organisation, name=obj.name)
        obj.pk = token.pk
        obj._state.adding = False
        messages.warning(
            request,
            _("The key for %(name)s — copy it now, it is not shown again: %(key)s")
            % {"name": token.name, "key": key},
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        # One save per token (not a bulk update) so that each revocation enters its history.
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            count += 1
        messages.success(request, _("%(n)d tokens revoked.") % {"n": count})


@admin.register(HotlineCategoryMap)
class HotlineCategoryMapAdmin(admin.ModelAdmin):
    """Which of our categories each 12345 category (诉求类别) is filed under."""

    list_display = ["hotline_category", "category"]
    search_fields = ["hotline_category"]


@admin.register(HotlineOrder)
class HotlineOrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order_number", "case", "status", "sign_for_due", "reply_due"]
    list_filter = ["status"]
    search_fields = ["order_number", "case__reference"]


@admin.register(HotlineOutbox)
class HotlineOutboxAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Operators see what waits, what failed and why (resend from the case page)."""

    list_display = ["order", "kind", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status", "kind"]


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every text message to residents and how its delivery went: failures stay listed
    here (and among the failed jobs) with the provider's reason, and can be sent again.
    Numbers are masked; a message holding a code shows no text."""

    list_display = ["id", "purpose", "masked_to", "case", "status", "attempts", "last_error"]
    list_filter = ["status", "purpose"]
    list_select_related = ["case"]
    date_hierarchy = "created_at"
    fields = [
        "purpose",
        "masked_to",
        "case",
        "shown_body",
        "status",
        "attempts",
        "last_error",
        "provider_id",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description=_("to"))
    def masked_to(self, obj):
        return mask_phone(obj.to)

    @admin.display(description=_("text"))
    def shown_body(self, obj):
        return _("(holds a code: not shown)") if obj.private else obj.body

    @admin.action(description=_("Send the selected failed messages again"))
    def send_again(self, request, queryset):
        count = resend(queryset.filter(status=SmsStatus.FAILED))
        self.message_user(request, _("%(n)d message(s) queued again.") % {"n": count})

    def has_change_permission(self, request, obj=None):
        # The action needs it; every field stays read-only.
        return request.user.is_superuser or request.user.has_perm("casework.change_smsmessage")
