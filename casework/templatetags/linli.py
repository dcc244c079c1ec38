import unicodedata

from django import template

register = template.Library()


def _is_cjk(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("CJK") for ch in text)


@register.filter
def person(user) -> str:
    """A user's name as people say it: 陈红梅 (family name first) or "Hongmei Chen"."""
    if user is None:
        return "—"
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if not (first or last):
        return user.get_username()
    if _is_cjk(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` or None, for dicts built by a view (e.g. signatures by attendee)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def cents_to_yuan(cents) -> str:
    """1234567 -> "12345.67" (exact, for amounts kept in fen)."""
    try:
        cents = int(cents)
    except (TypeError, ValueError):
        return ""
    return f"{cents // 100}.{cents % 100:02d}"
