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

        # The jobs: signing (#24) and rendering each archival document (#21).
        from consultation.services import (  # noqa: F401
            agreement,
            archive,
            ballots,
            dossier,
            minutes,
        )
