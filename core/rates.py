"""Rates such as ``5/15m`` or ``600/minute`` (no Django imports: settings use it)."""

from __future__ import annotations

import re
from functools import lru_cache

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}


@lru_cache(maxsize=128)
def parse_rate(text: str) -> tuple[int, int]:
    """``"5/15m"`` -> (5, 900): at most N in a window of that many seconds.

    The unit is s, m, h or d (or their words), optionally multiplied (``15m``); a bad
    rate raises ValueError so that settings refuse it at start-up.
    """
    match = _RATE.match(str(text))
    if not match or match.group(3).lower() not in _UNIT_SECONDS:
        raise ValueError(f"not a rate like '5/15m' or '600/minute': {text!r}")
    count, multiplier, unit = match.groups()
    seconds = _UNIT_SECONDS[unit.lower()] * int(multiplier or 1)
    if int(count) < 1 or seconds < 1:
        raise ValueError(f"a rate needs at least 1 per window of at least 1 second: {text!r}")
    return int(count), seconds
