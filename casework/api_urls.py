import functools

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from casework import permissions
from casework.api import CaseViewSet, ReferralViewSet, not_found

router = SimpleRouter()
router.register("referrals", ReferralViewSet, basename="referral")
router.register("cases", CaseViewSet, basename="case")

app_name = "api"


# DRF authenticates API calls itself (tokens), so the views are exempt from the pages'
# login requirement. The schema and its docs page are for signed-in staff who integrate or
# supervise (permissions.can_read_api_docs): the schema maps every operation and filter,
# which is no outsider's business. Others signed in get 403, anonymous users the login.
def docs_readers(view):
    @functools.wraps(view)
    def inner(request, *args, **kwargs):
        if not permissions.can_read_api_docs(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    # DRF's views say login_required = False (tokens); these pages need the sign-in.
    inner.login_required = True
    return inner


urlpatterns = [
    *[
        re_path(p.pattern.regex.pattern, login_not_required(p.callback), name=p.name)
        for p in router.urls
    ],
    path("schema/", docs_readers(SpectacularAPIView.as_view()), name="schema"),
    path(
        "docs/",
        # The split view serves its start-up script as a file: no inline script (CSP).
        docs_readers(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    # Every other path under /api/v1/: a JSON 404, as the API answers, not Django's page.
    re_path(r"^(?P<rest>.*)$", login_not_required(not_found), name="not_found"),
]
