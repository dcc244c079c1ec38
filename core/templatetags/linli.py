"""Linli's template filters (``{% load linli %}``): the person-name rule and two small
helpers the pages share."""

from decimal import Decimal, InvalidOperation

from django import template

from core import documents
from core.names import list_separator, person_name

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's name by the one rule (``core.names.person_name``)."""
    return person_name(user)


@register.filter
def listjoin(items, attribute: str = "") -> str:
    """``items`` joined as the reader's language joins a list (、 in Chinese; ``core.names``),
    each item's ``attribute`` (a key or an attribute) when one is named: escaped."""
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    values = [
        (item.get(attribute) if isinstance(item, dict) else getattr(item, attribute))
        if attribute
        else item
        for item in items or ()
    ]
    return mark_safe(list_separator().join(str(conditional_escape(v)) for v in values))


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


@register.filter
def yuan(amount) -> str:
    """An amount in yuan with thousands separators and two decimals: 12,345.67 (the
    input stays a plain number: this is for reading, never for a form field)."""
    try:
        return f"{Decimal(str(amount)):,.2f}"
    except (InvalidOperation, TypeError, ValueError):
        return ""


@register.filter
def fullwidth(text):
    """Chinese punctuation in Chinese text (``core.documents.fullwidth``)."""
    return documents.fullwidth(str(text)) if text not in (None, "") else text


@register.filter
def docdate(value) -> str:
    """A date as a document's date line prints it: ``2026年12月3日`` in Chinese
    (``core.documents.document_date``)."""
    return documents.document_date(value)


@register.filter
def time_tag(moment):
    """``<time datetime="…">YYYY-MM-DD HH:MM</time>`` of a stored moment in local time: what
    ``<time datetime="{{ m|date:'c' }}">{{ m|date:"Y-m-d H:i" }}</time>`` writes, without
    the date filter's format look-ups (~60 µs each: two per line of a case's 20-event log
    were 2.7 ms of the staff case page). Nothing for None."""
    from django.utils import timezone
    from django.utils.html import format_html

    if moment is None:
        return ""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return format_html(
        '<time datetime="{}">{}</time>', local.isoformat(), local.strftime("%Y-%m-%d %H:%M")
    )
