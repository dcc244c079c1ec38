import functools

from django.conf import settings
from django.utils.translation import get_language_info

from casework import permissions, waiting
from casework.roles import CASE_STAFF_ROLES, Role


def _languages():
    """(code, name in that language) for the header's switch: two dict look-ups, cheaper
    than the i18n template tags on every page."""
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


# Every flag is False for anonymous visitors (the resident portal, the sign-in pages).
NO_ROLE_FLAGS = {
    "is_case_staff": False,
    "is_supervisor": False,
    "is_agency": False,
    "can_see_reports": False,
    "works_cases": False,
    "is_grid_worker": False,
}


def role_flags(user) -> dict[str, bool]:
    """What the signed-in user's roles let the navigation and page headers offer, worked
    out once per request from the memberships ``permissions.grants`` has already loaded
    (no query of its own), so that templates test a flag instead of comparing role strings.

    - ``is_case_staff``: mediators, supervisors, archivists and superusers — the
      dashboard, cases, meetings, mediation and archive pages.
    - ``is_supervisor``: supervisors and superusers (as ``permissions.has_role``).
    - ``is_agency``: agency officers and property managers — they work referrals in the
      inbox (a superuser without such a membership has no inbox of their own).
    - ``can_see_reports``: mediators, supervisors and superusers (the reports views'
      own rule).
    - ``works_cases``: mediators and supervisors, who register cases and call meetings
      (the menu offers those two to the street's staff only, not to a bare superuser).
    - ``is_grid_worker``: grid workers (网格员) — the grid patrol page.
    """
    if user is None or not user.is_authenticated:
        return dict(NO_ROLE_FLAGS)
    roles = {g.role for g in permissions.grants(user)}
    superuser = bool(user.is_superuser)
    return {
        "is_case_staff": superuser or bool(roles & CASE_STAFF_ROLES),
        "is_supervisor": superuser or Role.SUPERVISOR in roles,
        "is_agency": bool(roles & permissions.RECEIVING_ROLES),
        "can_see_reports": superuser or bool(roles & {Role.MEDIATOR, Role.SUPERVISOR}),
        "works_cases": bool(roles & {Role.MEDIATOR, Role.SUPERVISOR}),
        "is_grid_worker": Role.GRID_WORKER in roles,
    }


def workspace(request):
    """The language switch, the signed-in user's organisations and their role flags
    (``role_flags``) for the navigation bar and the pages' headers."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_languages": _languages(), **NO_ROLE_FLAGS}
    flags = role_flags(user)
    return {
        "nav_languages": _languages(),
        "nav_organisations": sorted({g.organisation_name for g in permissions.grants(user)}),
        # One query, and only on a page that shows the navigation (casework.waiting).
        # (a callable: templates call it, once, where the count is shown).
        "nav_waiting": functools.cache(lambda: waiting.count_for(user))
        if flags["is_case_staff"] or flags["is_agency"]
        else 0,
        **flags,
    }
