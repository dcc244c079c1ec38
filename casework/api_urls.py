from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from casework.api import CaseViewSet, ReferralViewSet

router = SimpleRouter()
router.register("referrals", ReferralViewSet, basename="referral")
router.register("cases", CaseViewSet, basename="case")

app_name = "api"

# DRF authenticates API calls itself (tokens), so the views are exempt from the pages'
# login requirement. The schema and its docs page are for signed-in staff alike: the schema
# maps every operation and filter, which is no outsider's business.
urlpatterns = [
    *[
        re_path(p.pattern.regex.pattern, login_not_required(p.callback), name=p.name)
        for p in router.urls
    ],
    path("schema/", staff_member_required(SpectacularAPIView.as_view()), name="schema"),
    path(
        "docs/",
        # The split view serves its start-up script as a file: no inline script (CSP).
        staff_member_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
]
