"""Reads. Every view takes its queryset from here, so access is scoped in one place."""

from __future__ import annotations

import contextlib
import contextvars

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from casework import permissions
from casework.models import (
    OPEN_STATUSES,
    RECEIVING_KINDS,
    Case,
    CaseEvent,
    CaseReturnVisit,
    Membership,
    Organisation,
    OrgKind,
    Place,
    Rating,
    Referral,
    Status,
)
from casework.roles import CASE_STAFF_ROLES, Role
from core.models import SecurityEvent


def _place_q(paths, field: str = "place") -> Q:
    q = Q(pk__in=[])
    for path in sorted(set(paths)):
        q |= Q(**{f"{field}__path__startswith": path})
    return q


def cases_visible_to(user) -> QuerySet[Case]:
    """Cases in the places the user's organisations cover (their area) — nothing else.

    Assignment requires the officer to cover the case's place, so an officer who later
    leaves the area also loses sight of its cases: access follows the job, not history.
    The filter is a plain ``place_id IN (...)`` list: the place tree is small, and an IN
    list lets the database count 100,000 cases from an index (2.5 ms on SQLite).
    """
    return in_area(Case.objects.all(), user)


def in_area(queryset: QuerySet, user, place: str = "place") -> QuerySet:
    """``queryset`` kept to the user's area: the rows whose ``place`` (a path to a place,
    e.g. ``"case__place"``) is one the user works in. Nothing for anonymous, everything
    for superusers. The one visibility rule every app's ``*_visible_to`` builds on."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    if _AREA_BY_SUBSELECT.get():
        return queryset.filter(**{f"{place}_id__in": places_for(user).values("pk")})
    return queryset.filter(**{f"{place}_id__in": visible_place_ids(user)})


_AREA_BY_SUBSELECT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "linli_area_by_subselect", default=False
)


@contextlib.contextmanager
def area_by_subselect():
    """Within this block, :func:`in_area` keeps rows to the user's area by a sub-select of
    their places (by tree path) instead of a list of place ids — the same rows. For SQL
    built once and run on every page (the navigation's 需要我处理 count,
    ``casework.waiting``): PostgreSQL planned its seven lists of a street's 85 place ids
    in ~6 of its ~7 ms at 1,000,000 cases, the sub-selects in ~2.5."""
    token = _AREA_BY_SUBSELECT.set(True)
    try:
        yield
    finally:
        _AREA_BY_SUBSELECT.reset(token)


def cases_visible_to_for_reports(user) -> QuerySet[Case]:
    """``cases_visible_to`` for whole-area statistics. A street-level user sees every place,
    and then the place list is a no-op that costs a comparison per row on every scan (the
    monthly report scans 100,000 cases several times): it is left out. The sets are equal,
    so nothing more is shown."""
    visible = cases_visible_to(user)
    everything = (
        user.is_authenticated
        and not user.is_superuser
        and len(visible_place_ids(user)) == Place.objects.count()
    )
    return Case.objects.all() if everything else visible


def visible_place_ids(user) -> list[int]:
    """The ids of the places the user works in (``places_for``), cached on the user."""
    cached = getattr(user, "_linli_place_ids", None)
    if cached is None:
        cached = list(places_for(user).values_list("pk", flat=True))
        user._linli_place_ids = cached
    return cached


def places_for(user, roles=CASE_STAFF_ROLES) -> QuerySet[Place]:
    """Places the user works in (their organisations' places and everything below) with
    one of ``roles`` — e.g. ``(Role.SUPERVISOR,)`` for the places they supervise, which is
    narrower than their area when they mediate in one estate and supervise another."""
    if user.is_superuser:
        return Place.objects.all()
    paths = [p for g in permissions.grants(user) if g.role in roles for p in g.paths]
    q = Q(pk__in=[])
    for path in sorted(set(paths)):
        q |= Q(path__startswith=path)
    return Place.objects.filter(q)


def officers_for(case: Case):
    """Users who may be assigned ``case``: mediators and supervisors covering its place."""
    user_ids = Membership.objects.filter(
        active=True,
        role__in=[Role.MEDIATOR, Role.SUPERVISOR],
        organisation__active=True,
        organisation__places__path__in=case.place.ancestor_paths,
    ).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("username")


def case_timeline(case: Case, *, public_only: bool = False) -> QuerySet[CaseEvent]:
    """The case's event log, oldest first; only what the resident may see when ``public_only``."""
    events = case.events.select_related("actor")
    return events.filter(is_public=True) if public_only else events


def colleagues_of(user):
    """Case officers in the organisations the user belongs to (for the officer filter)."""
    users = get_user_model().objects.filter(is_active=True)
    if user is None or not user.is_authenticated:
        return users.none()
    if user.is_superuser:
        return users.filter(memberships__role__in=[Role.MEDIATOR, Role.SUPERVISOR]).distinct()
    org_ids = [g.organisation_id for g in permissions.grants(user)]
    paths = [p for g in permissions.grants(user) if g.role in CASE_STAFF_ROLES for p in g.paths]
    in_area = Membership.objects.filter(
        active=True, role__in=[Role.MEDIATOR, Role.SUPERVISOR]
    ).filter(Q(organisation_id__in=org_ids) | _place_q(paths, "organisation__places"))
    return users.filter(pk__in=in_area.values("user_id")).order_by("last_name", "first_name")


def receiving_organisation(user, place):
    """The user's organisation that covers ``place`` (the closest one), for intake."""
    best = None
    for grant in permissions.grants(user):
        if grant.role not in (Role.MEDIATOR, Role.SUPERVISOR):
            continue
        for path in grant.paths:
            if place.path.startswith(path) and (best is None or len(path) > best[0]):
                best = (len(path), grant.organisation_id)
    if best is None:
        return None
    return Organisation.objects.get(pk=best[1])


# ---------------------------------------------------------------------- referrals


def referrals_visible_to(user) -> QuerySet[Referral]:
    """The inbox: referrals sent to the user's own organisations (agency officers and
    property managers) — never another organisation's. Street staff reach referrals
    through the cases they can see."""
    if not user.is_authenticated:
        return Referral.objects.none()
    if user.is_superuser:
        return Referral.objects.all()
    return Referral.objects.filter(organisation_id__in=permissions.receiving_organisation_ids(user))


def referral_timeline(referral: Referral) -> QuerySet[CaseEvent]:
    """What the receiving organisation sees of the case's history: the public record
    (not other referrals) and everything about its own referral. No internal notes."""
    return (
        CaseEvent.objects.filter(case_id=referral.case_id)
        .filter(Q(is_public=True, referral__isnull=True) | Q(referral=referral))
        .select_related("actor")
    )


def receiving_organisations():
    """Organisations a case can be referred to (agencies, property companies, owners'
    committees)."""
    return Organisation.objects.filter(active=True, kind__in=RECEIVING_KINDS).order_by(
        "kind", "name"
    )


def suggested_organisations(case: Case) -> QuerySet[Organisation]:
    """Routing: organisations of the category's default kind covering the case's place."""
    kind = case.category.default_org_kind
    if not kind:
        return Organisation.objects.none()
    return (
        receiving_organisations()
        .filter(kind=kind, places__path__in=case.place.ancestor_paths)
        .distinct()
    )


# ------------------------------------------------------------ the security record


def sees_whole_security_record(user) -> bool:
    """Admins and street-level supervisors (a grant over a top of the place tree)."""
    if user.is_superuser:
        return True
    roots = set(Place.objects.filter(parent__isnull=True).values_list("path", flat=True))
    return any(
        g.role == Role.SUPERVISOR and roots.intersection(g.paths) for g in permissions.grants(user)
    )


def staff_of_area(user):
    """Everyone with an active role in the supervisor's organisations or in organisations
    whose places lie inside the supervisor's area."""
    grants = [g for g in permissions.grants(user) if g.role == Role.SUPERVISOR]
    org_ids = [g.organisation_id for g in grants]
    paths = [p for g in grants for p in g.paths]
    members = Membership.objects.filter(
        Q(organisation_id__in=org_ids) | _place_q(paths, "organisation__places")
    )
    return get_user_model().objects.filter(pk__in=members.values("user_id"))


def security_events_visible_to(user):
    """The security record as a supervisor may read it: all of it for admins and the
    street's supervisors; for an area's supervisor, the events of their area's staff
    (as actor, or as the account name tried). Anyone else: nothing."""
    events = SecurityEvent.objects.select_related("actor")
    if not user.is_authenticated:
        return events.none()
    if sees_whole_security_record(user):
        return events
    if not permissions.has_role(user, Role.SUPERVISOR):
        return events.none()
    staff = staff_of_area(user)
    return events.filter(Q(actor__in=staff.values("pk")) | Q(username__in=staff.values("username")))


# ---------------------------------------------------------- the officers' queues


def follow_up_queue(user) -> QuerySet[Case]:
    """The cases whose follow-ups ``user`` answers for: those assigned to them in their
    area, and every case in the places they supervise. The one rule behind the
    dashboard's queues and 需要我处理 (casework.waiting)."""
    visible = cases_visible_to(user)
    if user.is_superuser:
        return visible
    mine = Q(assigned_officer=user)
    if permissions.has_role(user, Role.SUPERVISOR):
        mine |= Q(place__in=places_for(user, roles=(Role.SUPERVISOR,)))
    return visible.filter(mine)


def return_visits_due_for(user, until) -> QuerySet[Case]:
    """Resolved cases in ``user``'s queue whose return visit (回访) is due by ``until`` and
    not yet made (no visit and no resident's rating since the resolution), soonest first —
    the dashboard's queue and a "needs me" list read this."""
    return (
        pending_return_visits(follow_up_queue(user))
        .filter(return_visit_due__lte=until)
        .order_by("return_visit_due", "pk")
    )


def pending_return_visits(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Those of ``cases`` resolved and not yet heard back from: no return visit and no
    rating by the resident since the resolution (what closing waits for)."""
    visits = CaseReturnVisit.objects.filter(
        case=OuterRef("pk"), recorded_at__gte=OuterRef("resolved_at")
    )
    ratings = Rating.objects.filter(case=OuterRef("pk"), created_at__gte=OuterRef("resolved_at"))
    return cases.filter(~Exists(visits), ~Exists(ratings), status=Status.RESOLVED)


def first_contacts_due_for(user, until) -> QuerySet[Case]:
    """Open cases in ``user``'s queue with no first contact with the resident yet, due by
    ``until`` (DOMAIN.md §3: within a working day of acceptance), soonest first."""
    return (
        follow_up_queue(user)
        .filter(
            status__in=list(OPEN_STATUSES),
            first_contact_at__isnull=True,
            first_contact_due__lte=until,
        )
        .order_by("first_contact_due", "pk")
    )


# Who issues a paper about a place, nearest first: the residents' committee of the area,
# then the street office (DOMAIN.md §1). The mediation committee issues mediation papers.
ISSUER_KINDS = (OrgKind.RESIDENTS_COMMITTEE, OrgKind.STREET_OFFICE)


def issuing_organisation(place: Place | None, kinds=ISSUER_KINDS) -> str:
    """The name of the organisation that issues a paper about ``place``: the active
    organisation of one of ``kinds`` covering the place or the nearest place above it (a
    residents' committee before the street office when both cover the same place); when
    none is recorded, the street's own name with the kind's usual suffix (新华路街道 →
    新华路街道办事处, …人民调解委员会); "" with no place (the caller falls back to the
    settings, ``core.documents.frame``)."""
    if place is None:
        return ""
    paths = place.ancestor_paths
    rank = {kind: i for i, kind in enumerate(kinds)}
    candidates = (
        Organisation.objects.filter(active=True, kind__in=kinds, places__path__in=paths)
        .values_list("name", "kind", "places__path")
        .distinct()
    )
    best = sorted(candidates, key=lambda row: (-len(row[2]), rank[row[1]], row[0]))
    if best:
        return best[0][0]
    street = Place.objects.filter(path=paths[0]).values_list("name", flat=True).first()
    if not street:
        return ""
    suffix = {
        OrgKind.MEDIATION_COMMITTEE: "人民调解委员会",
        OrgKind.RESIDENTS_COMMITTEE: "办事处",
        OrgKind.STREET_OFFICE: "办事处",
    }.get(kinds[0], "")
    return f"{street}{suffix}" if street.endswith("街道") else street
