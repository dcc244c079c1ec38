from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MEDIATOR = "mediator", _("Mediator / case officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENCY_OFFICER = "agency_officer", _("Agency officer")
    PROPERTY_MANAGER = "property_manager", _("Property manager")
    ARCHIVIST = "archivist", _("Archivist")
    # Walks a grid cell (微网格) and logs what they find (casework.grid); sees only the
    # open cases of their cells, not the area's case list.
    GRID_WORKER = "grid_worker", _("Grid worker")


# Roles that work cases inside the neighbourhood (as opposed to receiving referrals).
CASE_STAFF_ROLES = frozenset({Role.MEDIATOR, Role.SUPERVISOR, Role.ARCHIVIST})
