"""``get_FOO_display()`` without rebuilding the field's choices on every call.

Django's ``Model._get_FIELD_display`` builds ``dict(make_hashable(field.flatchoices))``
each time it is called, and hashing the lazy labels translates every one of them: a
``CaseEvent.get_kind_display()`` translated the names of all its kinds, and the staff
case page (three displays per event of a 22-event log) spent ~6 of its ~53 ms at
1,000,000 cases there. :class:`QuickDisplayMixin` keeps each field's value → label map
(labels still lazy, so translated in the reader's language at each call) and answers
exactly what Django would (``tests/test_choices.py`` compares every choice in both
languages, and values that are not choices).
"""

from __future__ import annotations

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_LABELS: dict = {}


def labels(field) -> dict:
    """``{value: label}`` of ``field``'s choices (flattened), built once per field."""
    found = _LABELS.get(field)
    if found is None:
        found = {make_hashable(value): label for value, label in field.flatchoices}
        _LABELS[field] = found
    return found


class QuickDisplayMixin:
    """For a model: ``get_FOO_display()`` from :func:`labels`, not rebuilt per call."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        return force_str(labels(field).get(make_hashable(value), value), strings_only=True)
