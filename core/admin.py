"""Two-factor sign-in in the admin: the user list shows who has an authenticator, and a lost
phone is reset from there (an action asking for the reason, recorded in the user's history
and the security record). No page shows a secret or a recovery code."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Exists, OuterRef
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import jobs, otp
from core.models import Job, JobStatus, SecurityEvent, YearSequence


class ReadOnlyAdminMixin:
    """View-only: no add, change or delete, for anyone, superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(YearSequence)
class YearSequenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The yearly numberings, to look at: numbers are issued only by the services."""

    list_display = ["name", "year", "last"]


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


@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The job outbox for supervisors and administrators: what is waiting, what failed and
    why, and a retry for failed jobs (given the "change background job" permission). The
    text of a private mail (a resident's status code) is never shown."""

    list_display = [
        "id",
        "kind",
        "status",
        "attempts",
        "max_attempts",
        "short_error",
        "run_after",
        "created_at",
        "created_by",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["kind", "last_error"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by"]
    actions = ["retry_failed"]
    fields = [
        "kind",
        "status",
        "attempts",
        "max_attempts",
        "run_after",
        "created_at",
        "created_by",
        "started_at",
        "finished_at",
        "shown_payload",
        "result",
        "last_error",
    ]
    readonly_fields = fields

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        lines = obj.last_error.strip().splitlines()
        return lines[-1][:160] if lines else ""

    @admin.display(description=_("payload"))
    def shown_payload(self, obj):
        kind = jobs.REGISTRY.get(obj.kind)
        if kind is not None and kind.sensitive:
            return _("(private: not shown)")
        return obj.payload

    def has_retry_failed_permission(self, request):
        return request.user.has_perm("core.change_job")

    @admin.action(description=_("Retry the failed jobs now"), permissions=["retry_failed"])
    def retry_failed(self, request, queryset):
        count = jobs.retry(
            queryset.filter(status=JobStatus.FAILED).values_list("pk", flat=True),
            user=request.user,
        )
        messages.success(
            request,
            ngettext("%(n)d job queued again.", "%(n)d jobs queued again.", count) % {"n": count},
        )


# django-otp's own admin lets staff add a device with a key of their choosing and read
# recovery codes: not offered. The user list says who has two-factor; a reset asks why.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class ResetForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("E.g. phone lost, identity checked in person by whom."),
    )


class TwoFactorUserAdminMixin:
    """For the user admin: a "two-factor" column and the reset action."""

    actions = ["reset_two_factor"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_two_factor=Exists(
                    TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
                )
            )
        )

    @admin.display(boolean=True, description=_("two-factor"), ordering="has_two_factor")
    def two_factor(self, obj):
        return obj.has_two_factor

    def has_reset_two_factor_permission(self, request):
        return request.user.has_perm("otp_totp.delete_totpdevice")

    @admin.action(
        description=_("Reset two-factor sign-in (lost phone)"), permissions=["reset_two_factor"]
    )
    def reset_two_factor(self, request, queryset):
        form = ResetForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            for user in queryset:
                otp.reset_two_factor(
                    user=user,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            count = len(queryset)
            messages.success(
                request,
                ngettext(
                    "Two-factor sign-in reset for %(n)d user: they set it up again at their "
                    "next sign-in.",
                    "Two-factor sign-in reset for %(n)d users: they set it up again at their "
                    "next sign-in.",
                    count,
                )
                % {"n": count},
            )
            return None
        return TemplateResponse(
            request,
            "admin/two_factor_reset.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reset two-factor sign-in"),
                "users": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
