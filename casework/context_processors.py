from casework import permissions
from casework.roles import Role


def workspace(request):
    """The signed-in user's organisations and roles, for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    grants = permissions.grants(user)
    return {
        "nav_roles": {g.role for g in grants},
        "nav_organisations": sorted({g.organisation_name for g in grants}),
        "nav_is_supervisor": permissions.has_role(user, Role.SUPERVISOR),
    }
