from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    name = "consultation"
    verbose_name = _("Consultation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from casework.signals import sla_sweeping
        from consultation.mediation_services import sweep_return_visits

        sla_sweeping.connect(sweep_return_visits, dispatch_uid="linli-return-visits")
