from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path
from django.views.i18n import set_language

from core.login import (
    ThrottledAdminAuthenticationForm,
    ThrottledAuthenticationForm,
    ThrottledPasswordResetView,
)

admin.site.site_header = "Linli 邻里"
admin.site.site_title = "Linli"
# The admin's sign-in goes through the same limiter as the staff's.
admin.site.login_form = ThrottledAdminAuthenticationForm


@login_not_required
def healthz(request):
    """For load balancers and uptime checks: the app answers, without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),  # public
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
    # Public: residents and the login page switch language without an account.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("r/", include("casework.portal_urls")),  # the resident portal (public)
    path("meetings/", include("consultation.urls")),
    path("open311/", include("casework.open311_urls")),  # public (GeoReport v2)
    path("api/v1/", include("casework.api_urls")),  # token-authenticated
    # Other API versions or paths: the API's JSON 404, never the pages' HTML one.
    path("api/", include("casework.api_fallback_urls")),
    path("", include("casework.urls")),
]
