from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Kernel")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top: these modules use the models, which Django loads
        # only after every app's configuration (``checks`` registers the system checks).
        from core import append_only, audit, checks, job_kinds, security  # noqa: F401

        append_only.guard("core_securityevent", prunable=True)
        connection_created.connect(
            append_only.register_sqlite_function, dispatch_uid="linli-sqlite-prune-function"
        )
        # Once, after the last app migrated (sender is any app: keep it to ours).
        post_migrate.connect(
            append_only.reinstall_after_migrate, sender=self, dispatch_uid="linli-append-only"
        )
        audit.connect_signals()
        from core import metrics

        metrics.register_collector()
        user_logged_in.connect(security.stamp_login, dispatch_uid="linli-idle-stamp-login")
        # A display name changed or went: the request's memo of names (core.names) is stale.
        from core import names
        from core.models import Profile

        for signal in (post_save, post_delete):
            signal.connect(
                lambda **kwargs: names.forget_display_names(),
                sender=Profile,
                weak=False,
                dispatch_uid=f"linli-forget-names-{signal is post_save}",
            )
