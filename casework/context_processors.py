from django.conf import settings
from django.utils.translation import get_language_info

from casework import permissions
from casework.roles import Role


def _languages():
    """(code, name in that language) for the header's switch: two dict look-ups, cheaper
    than the i18n template tags on every page."""
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


def workspace(request):
    """The signed-in user's organisations and roles, for the navigation bar, and the
    language switch."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_languages": _languages()}
    grants = permissions.grants(user)
    return {
        "nav_languages": _languages(),
        "nav_roles": {g.role for g in grants},
        "nav_organisations": sorted({g.organisation_name for g in grants}),
        "nav_is_supervisor": permissions.has_role(user, Role.SUPERVISOR),
    }
