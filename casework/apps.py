from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top: these modules use the models, which Django loads
        # only after every app's configuration.
        from casework import (  # noqa: F401
            checks,  # registers the system checks
            events,  # the event codes of a case's log (casework.event_text)
            exports,  # registers the XLSX export job (core.jobs)
            report_documents,  # registers the report PDF job (core.jobs)
            signals,
            sms,  # registers the text-message job (core.jobs)
        )
        from casework.hotline import views as hotline_views  # noqa: F401 — its case panel
        from casework.permissions import needs_two_factor
        from core import append_only
        from core.otp import require_two_factor_for

        require_two_factor_for(needs_two_factor)
        # The case event log: no UPDATE or DELETE at the database (both engines).
        append_only.guard("casework_caseevent", prunable=False)
        signals.connect_audit()
        signals.connect_tallies()
        signals.connect_filter_cache()
        signals.connect_portal_names()
