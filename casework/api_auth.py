"""Token authentication for the REST API, and issuing tokens."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from casework.models import ApiToken, Membership, OrgKind
from casework.models.api import hash_key
from casework.roles import Role
from core import throttle
from core.audit import record
from core.client import client_address
from core.models import SecurityEventKind

STREET_KINDS = {OrgKind.RESIDENTS_COMMITTEE, OrgKind.STREET_OFFICE, OrgKind.MEDIATION_COMMITTEE}


def role_for(organisation) -> str:
    """What a token of this organisation may do: the street registers and works cases,
    a property company or an agency works its referrals."""
    if organisation.kind in STREET_KINDS:
        return Role.MEDIATOR
    if organisation.kind == OrgKind.PROPERTY_COMPANY:
        return Role.PROPERTY_MANAGER
    return Role.AGENCY_OFFICER


def issue_token(*, organisation, name: str) -> tuple[ApiToken, str]:
    """Create a token and its technical user; returns the token and the key (shown once)."""
    User = get_user_model()
    with transaction.atomic():
        user, _created = User.objects.get_or_create(
            username=f"api-{organisation.pk}",
            defaults={"first_name": f"API · {organisation.name}"[:150], "is_active": True},
        )
        if _created:
            user.set_unusable_password()  # it never signs in on the pages
            user.save()
        Membership.objects.get_or_create(
            user=user, organisation=organisation, role=role_for(organisation)
        )
        prefix, key = ApiToken.new_key()
        token = ApiToken.objects.create(
            organisation=organisation, name=name, prefix=prefix, key_hash=hash_key(key), user=user
        )
    return token, key


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token ll_<prefix>_<secret>``.

    Failed authentications count per client address (``api_auth_failure``); past the
    limit that address gets 429 with Retry-After, even with a good token, until the window
    ends. Each failure is in the security record with the token's public prefix only.
    """

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        address = client_address(request)
        try:
            throttle.check("api_auth_failure", address)
        except throttle.Throttled as exc:
            raise exceptions.Throttled(wait=exc.retry_after) from None
        if len(header) != 2:
            self._failed(request, address, "")
            raise exceptions.AuthenticationFailed("Give exactly one token after 'Token'.")
        key = header[1]
        token = token_for_key(key)
        if token is None:
            self._failed(request, address, key_prefix(key))
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword

    @staticmethod
    def _failed(request, address: str, prefix: str) -> None:
        key_failed(request._request, address, prefix)


def key_prefix(key: str) -> str:
    """The public prefix of a well-formed key (``ll_<prefix>_<secret>``), else ""."""
    parts = (key or "").split("_", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "ll" else ""


def token_for_key(key: str):
    """The active token whose key this is (its user active too), else None. Shared by
    the REST API's header and Open311's ``api_key`` parameter."""
    prefix = key_prefix(key)
    if not prefix:
        return None
    token = ApiToken.objects.select_related("user", "organisation").filter(prefix=prefix).first()
    if token is None or not token.matches(key) or not token.active or not token.user.is_active:
        return None
    return token


def key_failed(request, address: str, prefix: str) -> None:
    """Count a failed key against ``api_auth_failure`` for the client address and put it
    in the security record (the public prefix only); ``request`` is Django's."""
    usage = throttle.hit("api_auth_failure", address)
    detail = {"prefix": prefix[:16]} if prefix else {}
    record(SecurityEventKind.API_AUTH_FAILED, request=request, address=address, detail=detail)
    if usage.count == usage.limit:
        record(
            SecurityEventKind.THROTTLED,
            request=request,
            address=address,
            detail={**detail, "door": "api_auth_failure"},
        )


class TokenScheme(OpenApiAuthenticationExtension):
    """How the schema (and Schemathesis) learn to send the token."""

    target_class = "casework.api_auth.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token ll_<prefix>_<secret>` (created in the admin, shown once).",
        }
