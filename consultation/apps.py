from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    name = "consultation"
    verbose_name = _("Consultation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # What consultation adds to casework's cases (guards, panels, sweep reminders),
        # registered once the models are loaded.
        from consultation import (  # noqa: F401
            case_events,  # the event codes consultation writes on a case's log
            case_hooks,
        )
        from consultation.services import archive  # noqa: F401  (the signing job, #24)
