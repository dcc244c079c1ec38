"""``{% load case_events %}``: a case event's generated sentence in the reader's language
(``casework.event_text``)."""

from django import template

from casework import event_text, events  # noqa: F401 — events registers the codes

register = template.Library()


@register.filter
def event_text_of(event) -> str:
    """The sentence of ``event``'s code and parameters, now, in the active language."""
    return event_text.render(event)
