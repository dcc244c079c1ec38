from django import template

from casework.privacy import notice_facts

register = template.Library()


@register.simple_tag
def privacy_notice_facts() -> dict:
    """The facts the personal-information notice states (casework.privacy)."""
    return notice_facts()
