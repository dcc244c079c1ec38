"""Who is asking: the one place that decides a request's client address."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or the hop just before our trusted proxies.

    X-Forwarded-For is believed only when REMOTE_ADDR is one of ``LINLI_TRUSTED_PROXIES``,
    and then read from the right, skipping our own proxies: everything left of the first
    untrusted hop was written by the client and proves nothing.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    trusted = set(settings.LINLI["TRUSTED_PROXIES"])
    if remote not in trusted:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if hop in trusted:
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return remote
    return remote
