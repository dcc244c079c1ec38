"""我的诉求: a resident opens every case filed with their mobile number after a one-time
code sent to it by SMS.

The code is 6 digits, kept only as a keyed hash, valid ``SMS_CODE_SECONDS`` (5 minutes),
for ``SMS_CODE_ATTEMPTS`` wrong tries and once. Asking for codes is limited per number and
per client address, wrong codes too (``core.throttle``'s ``sms_*`` doors). The number is
only ever looked up through ``casework.phones.phone_key`` (when #27 turns it into a keyed
hash, nothing here changes). The answer to "send me a code" is the same whether or not
the number filed a case, so the page tells no one which numbers are known; a code is
texted only to a number that did.

Only the *applicant's* number opens a case here: a respondent or a third party whose
number staff wrote down must not read the complaint about them, nor rate or reopen it.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from hashlib import sha256

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import Case, PartyRole, PhoneCode, SmsPurpose
from casework.phones import phone_key
from casework.sms import is_mobile, queue_sms
from core import throttle
from core.audit import pseudonym, record
from core.models import SecurityEventKind

CODE_DIGITS = 6


def hash_code(key: str, code: str) -> str:
    """The code as stored: an HMAC bound to the number (a leaked table gives no codes)."""
    message = f"{key}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, sha256).hexdigest()


def _throttle(door: str, value: str, address: str, *, consume: bool) -> None:
    try:
        if consume:
            throttle.consume(door, value)
        else:
            throttle.check(door, value)
    except throttle.Throttled as exc:
        if exc.first or not consume:
            record(SecurityEventKind.THROTTLED, address=address, detail={"door": door})
        raise


def request_code(*, phone: str, address: str) -> str | None:
    """Send a fresh one-time code to ``phone`` if it filed a case; returns the code (for
    the caller's tests only — pages never show it) or None. ``Throttled`` past the
    per-number or per-address limit (counted whether or not the number is known)."""
    key = phone_key(phone)
    _throttle("sms_code_address", address, address, consume=True)
    _throttle("sms_code_phone", key or phone, address, consume=True)
    if not key or not is_mobile(phone) or not cases_for_key(key).exists():
        return None
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = settings.LINLI["SMS_CODE_SECONDS"] // 60
    with transaction.atomic():
        # One live code per number: asking again retires the earlier ones.
        PhoneCode.objects.filter(phone_key=key, used_at__isnull=True).update(used_at=timezone.now())
        PhoneCode.objects.create(
            phone_key=key,
            code_hash=hash_code(key, code),
            expires_at=timezone.now() + timedelta(seconds=settings.LINLI["SMS_CODE_SECONDS"]),
        )
        queue_sms(
            to=phone,
            body=_(
                "Your code for 我的诉求 is %(code)s, valid for %(minutes)s minutes. "
                "Staff will never ask you for it."
            )
            % {"code": code, "minutes": minutes},
            purpose=SmsPurpose.CODE,
            private=True,
        )
    return code


def verify_code(*, phone: str, code: str, address: str) -> str | None:
    """The phone's look-up key when ``code`` is its live one-time code (which is then used
    up), else None. ``Throttled`` once the number or the address has failed too often."""
    key = phone_key(phone)
    _throttle("sms_verify_address", address, address, consume=False)
    _throttle("sms_verify_phone", key or "-", address, consume=False)
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    now = timezone.now()
    if key and len(code) == CODE_DIGITS:
        live = (
            PhoneCode.objects.filter(
                phone_key=key,
                used_at__isnull=True,
                expires_at__gt=now,
                attempts__lt=settings.LINLI["SMS_CODE_ATTEMPTS"],
            )
            .order_by("-id")
            .first()
        )
        # The try is counted before the code is compared, and only a try that could still
        # count is compared: parallel guesses cannot get past SMS_CODE_ATTEMPTS.
        counted = live is not None and PhoneCode.objects.filter(
            pk=live.pk,
            used_at__isnull=True,
            attempts__lt=settings.LINLI["SMS_CODE_ATTEMPTS"],
        ).update(attempts=F("attempts") + 1)
        if counted and hmac.compare_digest(live.code_hash, hash_code(key, code)):
            # Single use: only the request that flips used_at wins.
            won = PhoneCode.objects.filter(pk=live.pk, used_at__isnull=True).update(used_at=now)
            if won:
                return key
    throttle.hit("sms_verify_address", address)
    throttle.hit("sms_verify_phone", key or "-")
    record(
        SecurityEventKind.LOOKUP_FAILED,
        address=address,
        detail={"phone": pseudonym(key or "-"), "door": "sms_code"},
    )
    return None


def cases_for_key(key: str) -> QuerySet:
    """Every case whose applicant's phone has look-up key ``key``, newest first (the same
    party row: a respondent with that number opens nothing)."""
    if not key:
        return Case.objects.none()
    return (
        Case.objects.filter(parties__phone_key=key, parties__role=PartyRole.APPLICANT)
        .distinct()
        .select_related("category")
        .order_by("-created_at", "-id")
    )
