"""Personal numbers as most pages show them: masked (DOMAIN.md §9, PIPL Art. 6 — the
minimum necessary). One function per kind of number; every page, export and document
that shows a masked number calls these, so the rule cannot drift between screens."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """138****5678 — keep the first three and last four digits of a phone number (the
    operator and the line's end, enough to recognise it, not to call it); shorter
    numbers are all stars."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(number: str) -> str:
    """3101**********1234 — a resident identity number (GB 11643: 18 characters, the last
    may be X) keeps its first four (province and city) and last four; anything shorter
    than nine characters is all stars."""
    text = "".join(ch for ch in (number or "").strip().upper() if ch.isalnum())
    if len(text) < 9:
        return "*" * len(text)
    return f"{text[:4]}{'*' * (len(text) - 8)}{text[-4:]}"
