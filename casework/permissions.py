"""Who may do what: small named predicates shared by the state machine and the views.

A user's reach comes from their active memberships: each ties them to an organisation
(and so to the places it covers) with a role. The scope is loaded once per user object.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.models.api import ApiToken
from casework.models.organisations import Membership
from casework.roles import Role


@dataclass(frozen=True)
class Grant:
    role: str
    organisation_id: int
    organisation_name: str
    paths: tuple[str, ...]


def grants(user) -> tuple[Grant, ...]:
    """The user's active memberships with the tree paths they cover (cached on the user)."""
    if user is None or not user.is_authenticated:
        return ()
    cached = getattr(user, "_linli_grants", None)
    if cached is not None:
        return cached
    rows = (
        Membership.objects.filter(user=user, active=True, organisation__active=True)
        .select_related("organisation")
        .prefetch_related("organisation__places")
    )
    result = tuple(
        Grant(
            role=m.role,
            organisation_id=m.organisation_id,
            organisation_name=m.organisation.name,
            paths=tuple(p.path for p in m.organisation.places.all()),
        )
        for m in rows
    )
    user._linli_grants = result
    return result


def forget(user) -> None:
    """Drop the cached scope (after memberships change)."""
    for attr in ("_linli_grants", "_linli_place_ids"):
        if hasattr(user, attr):
            delattr(user, attr)


def has_role(user, *roles) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return any(g.role in roles for g in grants(user))


def needs_two_factor(user) -> bool:
    """Supervisors must sign in with a second factor (core.otp): they see a whole area's
    residents, assign and close cases, and approve extensions."""
    return any(g.role == Role.SUPERVISOR for g in grants(user))


def covers(user, place, roles) -> bool:
    """Whether one of the user's grants with one of ``roles`` covers ``place``."""
    if getattr(user, "is_superuser", False):
        return True
    return any(
        g.role in roles and any(place.path.startswith(p) for p in g.paths) for g in grants(user)
    )


# --- case predicates: (case, user) -> bool, the signature django-fsm's permission= uses.
# Whether a case is visible at all is the selectors' job (casework.selectors). ---


def can_supervise_case(case, user) -> bool:
    return covers(user, case.place, {Role.SUPERVISOR})


def can_work_case(case, user) -> bool:
    """An unassigned case is the whole team's; an assigned one its officer's and supervisors'."""
    if can_supervise_case(case, user):
        return True
    if not covers(user, case.place, {Role.MEDIATOR}):
        return False
    return case.assigned_officer_id in (None, user.pk)


def can_archive_case(case, user) -> bool:
    return covers(user, case.place, {Role.SUPERVISOR, Role.ARCHIVIST})


def can_register_case(user, place=None) -> bool:
    roles = {Role.MEDIATOR, Role.SUPERVISOR}
    if place is not None and can_patrol(user, place):
        return True
    return covers(user, place, roles) if place is not None else has_role(user, *roles)


def is_grid_worker(user) -> bool:
    """A grid worker (网格员) by an active membership (superusers are not grid workers)."""
    return any(g.role == Role.GRID_WORKER for g in grants(user))


def can_patrol(user, place) -> bool:
    """Whether ``user`` may log a finding at ``place``: a grid worker, and the place is a
    building of one of their active grid cells (or a stairwell under one)."""
    if place is None or not is_grid_worker(user):
        return False
    building = place if place.kind == "building" else place.parent
    return (
        building is not None
        and building.kind == "building"
        and building.grid_id is not None
        and building.grid.active
        and building.grid.workers.filter(pk=user.pk).exists()
    )


def can_assign_case(case, user, officer) -> bool:
    """Supervisors assign anyone in scope; a mediator may take an unassigned case."""
    if can_supervise_case(case, user):
        return True
    return (
        officer is not None
        and officer.pk == user.pk
        and case.assigned_officer_id is None
        and covers(user, case.place, {Role.MEDIATOR})
    )


def can_offer_assignment(case, user) -> bool:
    """Whether the case page offers the assign form: supervisors always, a mediator only
    while the case is unassigned (to take it). Closed cases are not assigned."""
    return case.is_open and (
        can_supervise_case(case, user)
        or (case.assigned_officer_id is None and can_work_case(case, user))
    )


def can_add_note(case, user) -> bool:
    return covers(user, case.place, {Role.MEDIATOR, Role.SUPERVISOR})


# --- referral predicates: (referral, user) -> bool. ---

RECEIVING_ROLES = frozenset({Role.AGENCY_OFFICER, Role.PROPERTY_MANAGER})


def receiving_organisation_ids(user) -> list[int]:
    """Organisations whose referrals the user works (agency officers, property managers)."""
    return sorted({g.organisation_id for g in grants(user) if g.role in RECEIVING_ROLES})


def can_receive_referral(referral, user) -> bool:
    """The receiving organisation's own staff act on its referrals — nobody else's."""
    if getattr(user, "is_superuser", False):
        return True
    return referral.organisation_id in receiving_organisation_ids(user)


def can_dispatch_referral(referral, user) -> bool:
    """Whoever works the case refers it out and answers the organisation's requests."""
    return can_work_case(referral.case, user)


def can_supervise_referral(referral, user) -> bool:
    return can_supervise_case(referral.case, user)


def can_read_api_docs(user) -> bool:
    """The REST API's schema and docs page: Django staff, supervisors, and the staff of an
    organisation that holds an active API token (whoever integrates its system with us).
    The schema maps every operation and filter: no outsider's business."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or has_role(user, Role.SUPERVISOR):
        return True
    ids = {g.organisation_id for g in grants(user)}
    if not ids:
        return False
    return ApiToken.objects.filter(organisation_id__in=ids, revoked_at__isnull=True).exists()


def can_reveal_contact(case, user) -> bool:
    """Who may see a party's full phone number and address (each look recorded, PIPL
    Art. 6 and DOMAIN.md §9): the case's assigned officer and the area's supervisors.
    Everyone else sees masked numbers only."""
    return case.assigned_officer_id == user.pk or can_supervise_case(case, user)
