"""Staff sign-in and password reset behind the one limiter, with their security events.

Sign-in locks the (account, client address) pair after ``login_pair`` failures, and a
client address after ``login_address`` failures on any accounts. The account as a whole
is only *slowed*: past ``login_account`` failures from everywhere in a window, it accepts
attempts only from addresses where it signed in successfully within
``LOGIN_KNOWN_ADDRESS_DAYS`` — so someone guessing from outside cannot lock the officer
out at the office. Answers are the same for existing and unknown accounts.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.views import PasswordResetView
from django.core.cache import cache
from django.template import loader

from core import throttle
from core.audit import pseudonym, record
from core.client import client_address
from core.job_kinds import mail
from core.models import SecurityEventKind


def _account(username: str) -> str:
    return (username or "").strip().casefold()[:150]


def _pair(account: str, address: str) -> str:
    return f"{account}\n{address}"


def _known_key(account: str, address: str) -> str:
    digest = hashlib.sha256(_pair(account, address).encode()).hexdigest()
    return f"linli:login-known:{digest}"


def is_known_address(account: str, address: str) -> bool:
    """Whether the account signed in from this address within the known-address period."""
    return bool(cache.get(_known_key(account, address)))


def gate(username: str, address: str) -> None:
    """Raise ``Throttled`` when this attempt may not even be checked."""
    account = _account(username)
    throttle.check("login_address", address)
    throttle.check("login_pair", _pair(account, address))
    if not is_known_address(account, address):
        throttle.check("login_account", account)


def failed(request, username: str, address: str) -> None:
    """Count a failed sign-in everywhere it counts, and record it (and any lock it sets)."""
    account = _account(username)
    locked = [
        usage.door
        for usage in (
            throttle.hit("login_pair", _pair(account, address)),
            throttle.hit("login_address", address),
            throttle.hit("login_account", account),
        )
        if usage.count == usage.limit
    ]
    record(
        SecurityEventKind.LOGIN_FAILED, request=request, username=username[:150], address=address
    )
    if locked:
        record(
            SecurityEventKind.LOGIN_LOCKED,
            request=request,
            username=username[:150],
            address=address,
            detail={"doors": locked},
        )


def succeeded(request, user, address: str) -> None:
    days = settings.LINLI["LOGIN_KNOWN_ADDRESS_DAYS"]
    cache.set(_known_key(_account(user.get_username()), address), 1, timeout=days * 86400)
    record(SecurityEventKind.LOGIN_SUCCEEDED, request=request, actor=user, address=address)


class ThrottledLoginMixin:
    """For Django's authentication forms: the limiter before, the record after."""

    def clean(self):
        username = self.data.get("username") or ""
        address = client_address(self.request) if self.request else "unknown"
        gate(username, address)  # Throttled -> 429 page (core.throttle.ThrottledMiddleware)
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            failed(self.request, username, address)
            raise
        if self.get_user() is not None:  # None when a field was left empty
            succeeded(self.request, self.get_user(), address)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The staff sign-in form."""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's sign-in form: the same limiter, so it is no way around it."""


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, whose mail goes through the job outbox: a mail server that
    fails once delays the link instead of losing it. The link is a secret, so the job is
    private (its text is erased once sent, and never shown in the admin)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        mail(subject=subject, body=body, recipients=[to_email], private=True)


class ThrottledPasswordResetView(PasswordResetView):
    """Password reset: at most ``password_reset_email`` mails per e-mail address and
    ``password_reset_address`` requests per client address; the page is the same whether
    or not the address belongs to an account (the record says which, for supervisors)."""

    form_class = OutboxPasswordResetForm

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        address = client_address(self.request)
        digest = pseudonym(email)
        try:
            throttle.consume("password_reset_address", address)
            throttle.consume("password_reset_email", digest)
        except throttle.Throttled as exc:
            if exc.first:
                record(
                    SecurityEventKind.THROTTLED,
                    request=self.request,
                    address=address,
                    detail={"door": exc.door, "email": digest},
                )
            raise
        users = list(form.get_users(email))
        record(
            SecurityEventKind.PASSWORD_RESET,
            request=self.request,
            username=users[0].get_username() if users else "",
            address=address,
            detail={"email": digest, "accounts": len(users)},
        )
        return super().form_valid(form)
