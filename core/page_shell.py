"""A page rendered once and filled in on each request (issue #21).

Some public pages are the same for every visitor but for a few values: the resident
status page differs between two residents only by the case's reference and its (cached)
summary, and between two requests by the CSRF token in its forms. Rendering its template
(the page, ``base.html``, a few forms) cost more than the rest of a request, so
:func:`render_filled` renders the template once per ``key`` with *slots* — marks from
Unicode's private use area, which no one types and autoescaping leaves alone — keeps the
result in the cache, and on each request puts the values in the slots: escaped, unless
marked safe, and the request's own CSRF token (``csrf.get_token``, as ``{% csrf_token %}``
would call it, so the cookie is set the same way).

Only what is the same for everyone with ``key`` may be rendered into the shell, so it is
used for anonymous visitors with no query string (``base.html`` echoes the full path)
and no pending message; any other request is rendered whole. The key must name
everything else the template's output depends on (language, 长辈模式, which blocks show).
"""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.html import conditional_escape
from django.utils.translation import get_language

CSRF_SLOT = "\ue000csrf\ue001"
# A deploy that changes a template shows the new page within this time (shared cache).
TIMEOUT = 600


def slot(name: str) -> str:
    """The mark a slot's value replaces in the rendered shell."""
    return f"\ue000{name}\ue001"


def cacheable(request) -> bool:
    """Whether the page may come from a shell: an anonymous visitor, no query string (the
    language switch echoes the path), no message waiting to be shown."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    if request.META.get("QUERY_STRING"):
        return False  # even "?&", which parses to nothing but is echoed in the path
    return len(get_messages(request)) == 0


def cache_key(request, template: str, key: str) -> str | None:
    """Where the shell of ``template`` for ``key`` is cached, or None when this request
    is to be rendered whole (:func:`cacheable`)."""
    if not cacheable(request):
        return None
    return f"linli:shell:{template}:{get_language()}:{key}"


def render_filled(
    request,
    template: str,
    context: dict,
    *,
    slots: dict[str, object],
    key: str,
    shell: str | None = None,
) -> HttpResponse:
    """``render(request, template, context | slots)``, from a shell cached under ``key``
    (and the language) when the request allows it (:func:`cacheable`). ``shell``: the
    cached shell when the caller fetched it already (with other keys, in one round trip)."""
    cached_at = cache_key(request, template, key)
    if cached_at is None:
        return render(request, template, {**context, **slots})
    if shell is None:
        shell = cache.get(cached_at)
    if shell is None:
        marked = {name: slot(name) for name in slots}
        shell = render(
            request, template, {**context, **marked, "csrf_token": CSRF_SLOT}
        ).content.decode()
        cache.set(cached_at, shell, timeout=TIMEOUT)
    page = shell.replace(CSRF_SLOT, get_token(request))
    for name, value in slots.items():
        page = page.replace(slot(name), str(conditional_escape(value)))
    return HttpResponse(page)
