from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MEDIATOR = "mediator", _("Mediator / case officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENCY_OFFICER = "agency_officer", _("Agency officer")
    PROPERTY_MANAGER = "property_manager", _("Property manager")
    ARCHIVIST = "archivist", _("Archivist")


# Roles that work cases inside the neighbourhood (as opposed to receiving referrals).
CASE_STAFF_ROLES = frozenset({Role.MEDIATOR, Role.SUPERVISOR, Role.ARCHIVIST})
