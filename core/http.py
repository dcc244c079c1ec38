"""Per-view opt-ins for the headers ``core.middleware.PrivacyHeadersMiddleware`` writes.

- ``@no_store``: the response may hold personal data although no one is signed in (the
  resident's receipt and status pages): browsers and proxies keep no copy.
- ``@permissions_policy(camera="self")``: the page uses a powerful browser feature. Every
  other page has them all off. Today no page needs one: the evidence and photo uploads
  are plain file inputs, and a phone's "take a photo" in a file picker is the operating
  system's camera app, which Permissions-Policy does not govern (it governs
  ``getUserMedia``, ``navigator.geolocation`` and the like).

Both mark the view function itself (like Django's ``login_not_required``), so they work
on function views and on ``View.as_view()`` alike and survive ``functools.wraps``.
"""

from __future__ import annotations

from collections.abc import Callable

NO_STORE = "linli_no_store"
PERMISSIONS_ALLOWED = "linli_permissions_allowed"

# The features a page could use to reach the resident's device, all off by default.
# Only names browsers recognise (an unknown name is a console error in Chromium).
POWERFUL_FEATURES = (
    "accelerometer",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
)
_ALLOWLISTS = {"self": "(self)", "none": "()"}


def no_store(view_func: Callable) -> Callable:
    """Mark a view whose responses hold personal data even for an anonymous visitor."""
    setattr(view_func, NO_STORE, True)
    return view_func


def permissions_policy(**allowed: str) -> Callable[[Callable], Callable]:
    """Allow named powerful features on one view's pages, e.g.
    ``@permissions_policy(geolocation="self")`` for a page that asks for the resident's
    position. Only ``"self"`` (this site) or ``"none"``; features are spelled with ``_``
    for ``-`` (``display_capture``)."""
    features = {name.replace("_", "-"): where for name, where in allowed.items()}
    unknown = set(features) - set(POWERFUL_FEATURES)
    if unknown:
        raise ValueError(f"Unknown Permissions-Policy features: {sorted(unknown)}")
    bad = set(features.values()) - set(_ALLOWLISTS)
    if bad:
        raise ValueError(f"Permissions-Policy allows only 'self' or 'none', not {sorted(bad)}")

    def decorate(view_func: Callable) -> Callable:
        setattr(view_func, PERMISSIONS_ALLOWED, features)
        return view_func

    return decorate


def permissions_policy_header(allowed: dict[str, str] | None = None) -> str:
    """``camera=(), geolocation=(), …`` with the view's allowed features as ``(self)``."""
    allowed = allowed or {}
    return ", ".join(
        f"{name}={_ALLOWLISTS[allowed.get(name, 'none')]}" for name in POWERFUL_FEATURES
    )
