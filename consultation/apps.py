from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    name = "consultation"
    verbose_name = _("Consultation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # What consultation adds to casework's cases (guards, panels, sweep reminders),
        # registered once the models are loaded.
        from consultation import case_hooks  # noqa: F401
