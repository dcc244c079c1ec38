"""Reads. Every view takes its queryset from here, so access is scoped in one place."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casework import permissions
from casework.models import Case, CaseEvent, Membership, Place
from casework.roles import CASE_STAFF_ROLES, Role


def _place_q(paths, field: str = "place") -> Q:
    q = Q(pk__in=[])
    for path in sorted(set(paths)):
        q |= Q(**{f"{field}__path__startswith": path})
    return q


def cases_visible_to(user) -> QuerySet[Case]:
    """Cases in the places the user's organisations cover, plus cases assigned to them."""
    if not user.is_authenticated:
        return Case.objects.none()
    if user.is_superuser:
        return Case.objects.all()
    paths = [p for g in permissions.grants(user) if g.role in CASE_STAFF_ROLES for p in g.paths]
    return Case.objects.filter(_place_q(paths) | Q(assigned_officer=user))


def places_for(user) -> QuerySet[Place]:
    """Places the user works in (their organisations' places and everything below)."""
    if user.is_superuser:
        return Place.objects.all()
    paths = [p for g in permissions.grants(user) if g.role in CASE_STAFF_ROLES for p in g.paths]
    q = Q(pk__in=[])
    for path in sorted(set(paths)):
        q |= Q(path__startswith=path)
    return Place.objects.filter(q)


def officers_for(case: Case):
    """Users who may be assigned ``case``: mediators and supervisors covering its place."""
    from django.contrib.auth import get_user_model

    ancestors = [case.place.path[:i] for i in range(9, len(case.place.path) + 1, 9)]
    user_ids = Membership.objects.filter(
        active=True,
        role__in=[Role.MEDIATOR, Role.SUPERVISOR],
        organisation__active=True,
        organisation__places__path__in=ancestors,
    ).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("username")


def case_timeline(case: Case, *, public_only: bool = False) -> QuerySet[CaseEvent]:
    events = case.events.select_related("actor")
    return events.filter(is_public=True) if public_only else events
