"""Grid patrol (网格巡查): a grid worker (网格员) walks their grid cells (微网格) and logs
what they find from a phone — a photo, the building, a category, a line of text — as a
case registered through the one intake service with the channel "grid patrol"; they see
the open cases of their cells, and nothing else of the area.

A cell groups buildings (``Place.grid``); a case is in a cell when its place is one of
those buildings or a stairwell under one.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from casework import geo, permissions, portal, services, tallies
from casework.models import (
    OPEN_STATUSES,
    Case,
    Category,
    Channel,
    Grid,
    Place,
    PlaceKind,
)
from core.exceptions import ActionForbidden, TransitionRefused


def grids_of(user) -> QuerySet[Grid]:
    """The active grid cells ``user`` patrols (none for anyone who is not a grid worker)."""
    if not permissions.is_grid_worker(user):
        return Grid.objects.none()
    return Grid.objects.filter(active=True, workers=user)


def grid_buildings(user) -> QuerySet[Place]:
    """The buildings of the user's cells, in tree order: where they may log a finding."""
    return Place.objects.filter(kind=PlaceKind.BUILDING, grid__in=grids_of(user)).order_by("path")


def in_cells_q(grids, field: str = "place") -> Q:
    """Rows whose ``field`` is a building of ``grids`` (a queryset or list of cells) or a
    stairwell under one."""
    return Q(**{f"{field}__grid__in": grids}) | Q(**{f"{field}__parent__grid__in": grids})


def grid_open_cases(user) -> QuerySet[Case]:
    """The open cases of the user's cells, newest first: what the patrol page lists."""
    return (
        Case.objects.filter(in_cells_q(grids_of(user)), status__in=list(OPEN_STATUSES))
        .select_related("category", "place")
        .order_by("-created_at", "-id")
    )


def open_counts_by_cell(scope: tallies.Scope) -> list[tuple[int, str, int]]:
    """``(cell id, cell name, open cases)`` in ``scope`` (``tallies.scope_for``) by grid
    cell, busiest first — the dashboard's breakdown, read from the summary table's
    ``cell_open`` counts: at 1,000,000 cases, grouping the open cases themselves cost
    ~380 ms on PostgreSQL."""
    counts = dict(tallies.rows(scope, ["cell_open"], group=("organisation_id",)))
    names = dict(Grid.objects.filter(pk__in=counts).values_list("pk", "name"))
    rows = [(cell, names[cell], n) for cell, n in counts.items() if cell in names]
    return sorted(rows, key=lambda row: (-row[2], row[1]))


def place_from_location(user, lat: float, lng: float) -> Place:
    """The building of the user's cells nearest to a phone's WGS-84 position, or a refusal
    saying to choose the building by hand."""
    nearest = geo.nearest_place(lat, lng)
    if nearest is not None and nearest.place.kind == PlaceKind.BUILDING:
        building = grid_buildings(user).filter(pk=nearest.place.pk).first()
        if building is not None:
            return building
    raise TransitionRefused(
        _("No building of your grid cells is near your location; choose the building.")
    )


def grid_finding_report(
    *, actor, place: Place, category: Category, text: str, photo=None
) -> services.Registration:
    """Log a grid worker's finding as a case (channel grid patrol) at a building of their
    cells, registered to the residents' committee covering it, with the photo attached
    (its EXIF and GPS stripped by the one upload check). One transaction: a refused photo
    registers nothing."""
    if not permissions.can_patrol(actor, place):
        raise ActionForbidden(_("This building is not in your grid cells."))
    organisation = portal.receiving_organisation(place)
    if organisation is None:
        raise TransitionRefused(_("No residents' committee covers this building."))
    text = (text or "").strip()
    if not text:
        raise TransitionRefused(_("Describe what you found in a line."))
    with transaction.atomic():
        registration = services.case_register(
            actor=actor,
            organisation=organisation,
            category=category,
            place=place,
            channel=Channel.GRID_PATROL,
            description=text,
        )
        if photo is not None:
            services.attachment_add(case=registration.case, actor=actor, upload=photo)
    return registration
