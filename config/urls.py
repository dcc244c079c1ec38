from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from django.views.i18n import set_language

from core import readiness
from core.login import (
    ThrottledAdminAuthenticationForm,
    ThrottledAuthenticationForm,
    ThrottledPasswordResetView,
)
from core.metrics import metrics_view
from core.profiles import profile_view

admin.site.site_header = "Linli 邻里"
admin.site.site_title = "Linli"
# The admin's sign-in goes through the same limiter as the staff's.
admin.site.login_form = ThrottledAdminAuthenticationForm


@login_not_required
def healthz(request):
    """For load balancers and uptime checks: the app answers, without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
def readyz(request):
    """For load balancers: 200 when database, cache, job broker and storage all answer,
    503 naming the part that does not (never an address or a secret)."""
    results = readiness.check()
    ready = all(state == "ok" for state in results.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": results},
        status=200 if ready else 503,
        headers={"Cache-Control": "no-store"},
    )


urlpatterns = [
    path("healthz", healthz, name="healthz"),  # public
    path("readyz", readyz, name="readyz"),  # public; names failing parts only
    path("metrics", metrics_view, name="metrics"),  # token or allowed address; else 404
    path(  # public; throttled per (account, address), per address; account slowed
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    # Password reset answers the same whether or not the address has an account, and
    # sends at most a few mails per e-mail address and per client address.
    path(  # public
        "accounts/password-reset/",
        login_not_required(ThrottledPasswordResetView.as_view()),
        name="password_reset",
    ),
    path(  # public
        "accounts/password-reset/sent/",
        login_not_required(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(  # public
        "accounts/reset/<uidb64>/<token>/",
        login_not_required(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(  # public
        "accounts/reset/done/",
        login_not_required(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Two-factor sign-in: set-up, the code after the password, recovery codes.
    path("accounts/two-factor/", include("core.otp_urls")),
    path("accounts/profile/", profile_view, name="profile"),  # signed-in: own name only
    # Public: residents and the login page switch language without an account.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("r/", include("casework.portal_urls")),  # the resident portal (public)
    path("meetings/", include("consultation.urls")),
    path("notices/", include("consultation.public_urls")),  # public notices (公示)
    path("verify/", include("consultation.verify_urls")),  # public; throttled per address
    path("open311/", include("casework.open311_urls")),  # public (GeoReport v2)
    path("api/v1/", include("casework.api_urls")),  # token-authenticated
    # Other API versions or paths: the API's JSON 404, never the pages' HTML one.
    path("api/", include("casework.api_fallback_urls")),
    path("", include("casework.urls")),
]
