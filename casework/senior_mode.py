"""长辈模式: the residents' large-text, high-contrast mode.

A resident switches it on or off on any resident page (a plain form post: it works without
JavaScript) and the browser remembers it in a cookie for a year: not personal data, no
account, nothing on the server. The base template reads ``senior_mode`` and marks the
page; ``static/css/resident.css`` does the rest.
"""

from __future__ import annotations

COOKIE = "linli_senior"
MAX_AGE = 365 * 24 * 3600


def is_on(request) -> bool:
    """Whether this browser asked for 长辈模式."""
    return request.COOKIES.get(COOKIE) == "1"


def context(request) -> dict[str, bool]:
    """``senior_mode`` for every template (no query)."""
    return {"senior_mode": is_on(request)}
