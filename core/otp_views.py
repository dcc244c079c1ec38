"""The two-factor pages: the code after the password, setting up an authenticator app,
recovery codes, and an overview. Every page needs a signed-in user; set-up and the code
page are reachable before the code is given (``two_factor_exempt``)."""

from __future__ import annotations

import math
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice

from core import otp

CODES_KEY = "linli-2fa-new-codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the app"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
                "class": "code-input",
            }
        ),
    )


def _next(request) -> str:
    """Where to go afterwards: the page asked for, if it is one of ours."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request) -> str:
    return f"{reverse(name)}?next={quote(_next(request))}"


def _wait_message(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes. Wait %(n)d second and try again.",
        "Too many wrong codes. Wait %(n)d seconds and try again.",
        seconds,
    ) % {"n": seconds}


@never_cache
@require_http_methods(["GET", "POST"])
@otp.two_factor_exempt
def verify(request):
    if otp.is_verified(request):
        return redirect(_next(request))
    now = otp.state(request, fresh=True)
    if not now["enrolled"]:
        if now["required"] and otp.enforced():
            return redirect(_with_next("two_factor:setup", request))
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = otp.verify(request, form.cleaned_data["code"])
        except otp.Throttled as exc:
            form.add_error("code", _wait_message(exc.wait_seconds))
        else:
            if device is None:
                form.add_error(
                    "code",
                    _(
                        "That code is not right. Check that your phone's clock is correct, "
                        "or enter a recovery code."
                    ),
                )
            else:
                if isinstance(device, StaticDevice):
                    left = otp.recovery_codes_left(request.user)
                    messages.warning(
                        request,
                        ngettext(
                            "You signed in with a recovery code; %(n)d is left. "
                            "Make new ones on the two-factor page.",
                            "You signed in with a recovery code; %(n)d are left. "
                            "Make new ones on the two-factor page.",
                            left,
                        )
                        % {"n": left},
                    )
                return redirect(_next(request))
    return render(request, "core/two_factor_verify.html", {"form": form, "next": _next(request)})


@never_cache
@require_http_methods(["GET", "POST"])
@otp.two_factor_exempt
def setup(request):
    now = otp.state(request, fresh=True)
    if now["enrolled"] and not otp.is_verified(request):
        # Replacing the phone needs a code from the old one (or a recovery code) first.
        return redirect(_with_next("two_factor:verify", request))
    if not request.user.has_usable_password():
        return redirect(_next(request))
    device = otp.pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, info = device.verify_is_allowed()
        codes = None
        if not allowed:
            locked_until = (info or {}).get("locked_until")
            wait = math.ceil((locked_until - timezone.now()).total_seconds()) if locked_until else 1
            form.add_error("code", _wait_message(max(1, wait)))
        else:
            codes = otp.confirm_enrolment(request, device=device, code=form.cleaned_data["code"])
            if codes is None:
                form.add_error(
                    "code",
                    _(
                        "That code is not right. Enter the six digits the app shows now; "
                        "check that your phone's clock is correct."
                    ),
                )
        if codes is not None:
            request.session[CODES_KEY] = codes
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect(_with_next("two_factor:recovery_codes", request))
    return render(
        request,
        "core/two_factor_setup.html",
        {
            "form": form,
            "qr": otp.qr_data_uri(device),
            "secret": otp.secret_text(device),
            "replacing": now["enrolled"],
            "required": now["required"],
            "next": _next(request),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    if not otp.state(request, fresh=True)["enrolled"]:
        return redirect("two_factor:overview")
    if request.method == "POST":
        request.session[CODES_KEY] = otp.renew_recovery_codes(request)
        return redirect(_with_next("two_factor:recovery_codes", request))
    return render(
        request,
        "core/two_factor_recovery_codes.html",
        {
            # Shown once: the page after set-up (or after making new ones) only.
            "codes": request.session.pop(CODES_KEY, None),
            "left": otp.recovery_codes_left(request.user),
            "next": _next(request),
        },
    )


@never_cache
def overview(request):
    now = otp.state(request, fresh=True)
    return render(
        request,
        "core/two_factor_overview.html",
        {
            "device": otp.confirmed_device(request.user) if now["enrolled"] else None,
            "left": otp.recovery_codes_left(request.user) if now["enrolled"] else 0,
            "required": now["required"],
            "enforced": otp.enforced(),
            "can_use": request.user.has_usable_password(),
        },
    )
