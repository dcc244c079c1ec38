"""Phone numbers as lookups see them: the one place a number becomes a search key.

A caller says "138 1234 5678", the record says "+86 13812345678" or "021-6234 5678": the
key is the digits, without the country code, so the same line is found however it was
typed. Every lookup by phone — the intake's repeat-caller lookup, the case list's search,
the resident's 我的诉求 — goes through ``phone_key`` and ``cases_with_phone``. Phone
numbers are stored encrypted (#27, core.crypto): ``phone_key`` is the keyed hash
(HMAC-SM3) of the normal form, so equal numbers still meet in one indexed column while the
column itself tells nobody a number.
"""

from __future__ import annotations

from django.db.models import QuerySet

from core.crypto import lookup_hash

# A search text is taken as a phone number from this many digits on.
MIN_PHONE_DIGITS = 7


def normalise(phone: str) -> str:
    """The digits of ``phone``, without China's country code (+86 / 0086 / 86 before a
    mobile number): "+86 138-1234-5678" -> "13812345678"."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            return digits[len(prefix) :]
    return digits


def phone_key(phone: str) -> str:
    """What is stored and searched for ``phone`` (``Party.phone_key``): the keyed hash
    (HMAC-SM3, core.crypto.lookup_hash) of its normal form, "" when it has too few digits
    to be a phone number."""
    digits = normalise(phone)
    return lookup_hash(digits) if len(digits) >= MIN_PHONE_DIGITS else ""


def looks_like_phone(text: str) -> bool:
    """Whether a search text is a phone number (digits, spaces, dashes, a plus)."""
    text = (text or "").strip()
    return (
        bool(text) and all(ch.isdigit() or ch in " +-()" for ch in text) and bool(phone_key(text))
    )


def cases_with_phone(cases: QuerySet, phone: str) -> QuerySet:
    """Those of ``cases`` with a party whose phone is ``phone`` (however it was typed)."""
    key = phone_key(phone)
    if not key:
        return cases.none()
    return cases.filter(parties__phone_key=key).distinct()
