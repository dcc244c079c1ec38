"""One case per submission: what the staff intake form and the residents' form share.

Each form carries a one-time token (``core.idempotency``). Its case is registered inside
``run_once``, and its status code is derived from the token, so that a second send of the
same form — a double tap, a retry on a slow phone, the back button — lands on the first
receipt, code included for a few minutes, instead of making a second case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from casework import services, status_codes
from casework.models import Case
from core import idempotency


def status_code_for(*, scope: str, token: str) -> str:
    """The status code a form's case gets, derived from its one-time token."""
    seed = idempotency.derived_secret(scope=scope, key=token, purpose="status-code")
    return status_codes.status_code_from_seed(seed)


def register_once(
    *, scope: str, token: str, post, register: Callable[[str], services.Registration]
) -> idempotency.Outcome[services.Registration]:
    """Run ``register(status_code)`` once for this form's token; a second send of the same
    content gets the first send's record (``replayed``), other content raises KeyReused."""
    return idempotency.run_once(
        scope=scope,
        key=token,
        fingerprint=idempotency.fingerprint_post(post),
        work=lambda: register(status_code_for(scope=scope, token=token)),
        remember=lambda registration: {
            "case": registration.case.pk,
            "reference": registration.case.reference,
        },
    )


def replayed_code(
    *, case: Case, scope: str, token: str, previous: idempotency.Previous
) -> str | None:
    """The status code to show a second send, while it is still fresh (the same page, a few
    minutes later); None after that, or if the case's code no longer matches."""
    window = dt.timedelta(minutes=settings.LINLI["RECEIPT_REPLAY_MINUTES"])
    if timezone.now() - previous.created_at > window:
        return None
    code = status_code_for(scope=scope, token=token)
    return code if status_codes.status_code_matches(case, code) else None
