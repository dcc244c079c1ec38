"""Double submits make one thing.

A form carries a one-time token (a hidden field made when the page is drawn); an API
client sends an ``Idempotency-Key`` header (draft-ietf-httpapi-idempotency-key-header).
``run_once`` inserts a row for the key in the same transaction as the work, under a
unique constraint: when the same submission arrives twice at once, the second insert
waits for the first transaction (PostgreSQL's unique index; SQLite's write lock, taken at
BEGIN IMMEDIATE) and then fails, and the second submitter is handed what the first one
made. If the first transaction fails, its row goes with it and the key can be used again.

Keys are kept ``LINLI["IDEMPOTENCY_HOURS"]`` hours; expired rows are removed as new ones
arrive (and by ``manage.py prune_submission_keys``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from core.models import SubmissionKey

T = TypeVar("T")

TOKEN_FIELD = "submission_token"
_FORM_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
# Fields of a posted form that differ between two sends of the same content.
_NOT_CONTENT = frozenset({"csrfmiddlewaretoken", TOKEN_FIELD})


def new_token() -> str:
    """A form's one-time token: 256 random bits."""
    return secrets.token_urlsafe(32)


def is_form_token(value) -> bool:
    return isinstance(value, str) and bool(_FORM_TOKEN.match(value))


def fingerprint(content: Any) -> str:
    """SHA-256 of ``content`` in a canonical JSON form (key order does not matter)."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint_post(post) -> str:
    """The fingerprint of a posted form (a QueryDict) without its CSRF and one-time tokens."""
    return fingerprint(
        {k: post.getlist(k) for k in sorted(post.keys()) if k.split("-")[-1] not in _NOT_CONTENT}
    )


def _key_hash(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}\0{key}".encode()).hexdigest()


def derived_secret(*, scope: str, key: str, purpose: str) -> bytes:
    """32 bytes that only this server can compute, and only for whoever holds ``key``.

    What the first submission showed once (a resident's status code) is derived from this
    rather than stored, so a second send of the same form can show it again without any
    readable copy being kept."""
    return salted_hmac(
        f"linli.idempotency.{purpose}", f"{scope}\0{key}", algorithm="sha256"
    ).digest()


@dataclass(frozen=True)
class Previous:
    """What the first submission of a key made."""

    result: dict
    fingerprint: str
    created_at: dt.datetime

    def same_content(self, fingerprint: str) -> bool:
        return secrets.compare_digest(self.fingerprint, fingerprint)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    replayed: bool
    previous: Previous  # for a fresh run: this run's own record
    value: T | None = None  # what ``work`` returned (fresh runs only)


class KeyReused(Exception):
    """The key was used before for different content."""

    def __init__(self, previous: Previous):
        super().__init__("key reused with different content")
        self.previous = previous


def _keep() -> dt.timedelta:
    return dt.timedelta(hours=settings.LINLI["IDEMPOTENCY_HOURS"])


def prune(now: dt.datetime | None = None) -> int:
    """Delete expired keys; returns how many."""
    deleted, _by_model = SubmissionKey.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted


def lookup(*, scope: str, key: str) -> Previous | None:
    """The committed first submission of ``key`` in ``scope``, if any and not expired."""
    row = (
        SubmissionKey.objects.filter(
            scope=scope, key_hash=_key_hash(scope, key), expires_at__gte=timezone.now()
        )
        .values("result", "fingerprint", "created_at")
        .first()
    )
    return Previous(**row) if row else None


def run_once(
    *,
    scope: str,
    key: str,
    fingerprint: str,
    work: Callable[[], T],
    remember: Callable[[T], dict],
) -> Outcome[T]:
    """Run ``work`` once for ``key`` in ``scope``.

    In one transaction: claim the key, run ``work``, store ``remember(value)``. If the key
    was claimed first by another transaction, wait for it and return its record
    (``replayed``); if that was for different content, raise KeyReused. An exception from
    ``work`` rolls the claim back with everything else.
    """
    prune()  # outside the claim's transaction: it holds no lock while the work runs
    key_hash = _key_hash(scope, key)
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = SubmissionKey.objects.create(
                    scope=scope,
                    key_hash=key_hash,
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=now + _keep(),
                )
        except IntegrityError:
            # The other transaction committed its claim (we waited for it): use its record.
            first = SubmissionKey.objects.get(scope=scope, key_hash=key_hash)
            previous = Previous(first.result, first.fingerprint, first.created_at)
            if not previous.same_content(fingerprint):
                raise KeyReused(previous) from None
            return Outcome(replayed=True, previous=previous)
        value = work()
        row.result = remember(value)
        row.save(update_fields=["result"])
    return Outcome(
        replayed=False, previous=Previous(row.result, fingerprint, row.created_at), value=value
    )


# ------------------------------------------------------------------ forms


class OneTimeTokenMixin:
    """A form with a hidden one-time token, drawn fresh with each empty form.

    A posted token that is missing or malformed (a page from before tokens, or an altered
    one) fails validation with a plain message, and the form comes back with a fresh
    token, so sending it again works."""

    stale_message = _("This form could not be sent as it was. Check it and send it again.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[TOKEN_FIELD] = forms.CharField(
            widget=forms.HiddenInput, initial=new_token, required=False
        )
        self.token_was_stale = False
        if self.is_bound and not is_form_token(self.data.get(self.add_prefix(TOKEN_FIELD))):
            self.token_was_stale = True
            self.renew_token()

    @property
    def posted_token(self) -> str | None:
        """The token this form was sent with, when it is a well-formed one."""
        if not self.is_bound or self.token_was_stale:
            return None
        return self.data.get(self.add_prefix(TOKEN_FIELD))

    def renew_token(self) -> None:
        """Draw the form again with a new token (its content is kept)."""
        self.data = self.data.copy()
        self.data[self.add_prefix(TOKEN_FIELD)] = new_token()

    def clean(self):
        cleaned = super().clean()
        if self.token_was_stale:
            raise forms.ValidationError(self.stale_message, code="stale_token")
        return cleaned
