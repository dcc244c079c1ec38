"""The case list's filter form, rendered once per area, language and filter values.

Rendering it is most of the list's time (every place and officer as an option, every
status as a checkbox: ~1,160 template loops, 31 of the list's 44 ms). What it shows
depends only on the user's area (their grants: the places and officers offered), the
language, the values chosen, and the place tree, officers and categories — so the HTML is
cached under exactly those, and a change to any of the last three moves a version number
that is part of every key (``casework.signals.connect_filter_cache``). A form with errors
is rendered fresh (its messages are the request's own).
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from casework import permissions

TEMPLATE = "casework/_filter_fields.html"
VERSION_KEY = "linli:filter-form:version"
TIMEOUT = 6 * 3600


def version() -> int:
    """The current version of what the forms offer (places, officers, categories)."""
    return cache.get_or_set(VERSION_KEY, 1, None)


def invalidate(**_kwargs) -> None:
    """Every cached filter form is stale (a place, officer or category changed)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted): any new value differs from the old
        cache.set(VERSION_KEY, 2, None)


def area_key(user) -> str:
    """What decides the choices a user is offered: their grants (organisation, role and
    places), or "all" for superusers."""
    if user.is_superuser:
        return "all"
    grants = sorted(
        (g.organisation_id, str(g.role), tuple(sorted(g.paths))) for g in permissions.grants(user)
    )
    return hashlib.sha256(repr(grants).encode()).hexdigest()[:24]


def rendered_fields(request, form) -> str:
    """The form's fields as HTML, from the cache when the same area, language and values
    were rendered since the last change to places, officers or categories."""
    if form.is_bound and form.errors:
        return render_to_string(TEMPLATE, {"form": form}, request=request)
    values = (
        sorted(
            (name, tuple(form.data.getlist(name)))
            for name in form.data
            if name in form.fields or name.rsplit("_", 1)[0] in form.fields
        )
        if form.is_bound
        else []
    )
    digest = hashlib.sha256(
        repr((area_key(request.user), translation.get_language(), values)).encode()
    ).hexdigest()[:32]
    key = f"linli:filter-form:{version()}:{digest}"
    html = cache.get(key)
    if html is None:
        html = render_to_string(TEMPLATE, {"form": form}, request=request)
        cache.set(key, html, TIMEOUT)
    return mark_safe(html)
