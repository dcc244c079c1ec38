"""Two-factor sign-in pages, under /accounts/two-factor/ (signed-in users only)."""

from django.urls import path

from core import otp_views

app_name = "two_factor"

urlpatterns = [
    path("", otp_views.overview, name="overview"),
    path("setup/", otp_views.setup, name="setup"),
    path("verify/", otp_views.verify, name="verify"),
    path("recovery-codes/", otp_views.recovery_codes, name="recovery_codes"),
]
