"""A moved clock for the demo seeding: the demo's history is written by the real services,
which stamp what they write with ``timezone.now()``; travelling the clock (time-machine)
makes a year of a street's life out of one run, with no timestamp written by hand.

Only the seeding commands use it (``make demo``); time-machine is a development
dependency, imported when a clock is first set.
"""

from __future__ import annotations

import datetime as dt
import random
from contextlib import contextmanager

from django.utils import timezone

OPENS = dt.time(8, 30)
CLOSES = dt.time(17, 30)


class DemoClock:
    """The seeding's clock: ``at(when)`` sets it, ``advance(...)`` moves it forward.

    Never past the real present (nothing is dated in the future) and never backwards
    within one ``at`` block; with ``office=True`` a moved time lands in office hours
    (Monday–Friday 8:30–17:30 local), as the people doing the work would.
    """

    def __init__(self, rng: random.Random, now: dt.datetime | None = None):
        self.rng = rng
        self.real_now = now or timezone.now()
        self.when = self.real_now
        self._coordinates = None

    def latest(self) -> dt.datetime:
        """The latest moment the seeding may write at: a minute before it started."""
        return self.real_now - dt.timedelta(minutes=1)

    @contextmanager
    def at(self, when: dt.datetime, *, office: bool = True):
        """Travel to ``when`` (clamped to the present) for the block."""
        import time_machine  # a development dependency: only `make demo` travels

        self.when = self._clamp(self._office(when) if office else when)
        with time_machine.travel(self.when, tick=False) as coordinates:
            self._coordinates = coordinates
            try:
                yield self
            finally:
                self._coordinates = None

    def advance(self, *, days: float = 0, hours: float = 0, office: bool = True) -> dt.datetime:
        """Move the clock forward (inside ``at``); returns the new time."""
        if self._coordinates is None:
            raise RuntimeError("DemoClock.advance outside DemoClock.at")
        target = self.when + dt.timedelta(days=days, hours=hours)
        if office:
            target = self._office(target)
        target = max(self._clamp(target), self.when)
        self._coordinates.move_to(target)
        self.when = target
        return target

    def _clamp(self, when: dt.datetime) -> dt.datetime:
        return min(when, self.latest())

    def _office(self, when: dt.datetime) -> dt.datetime:
        local = timezone.localtime(when)
        if local.time() >= CLOSES:
            local = (local + dt.timedelta(days=1)).replace(hour=8, minute=30)
        if local.time() < OPENS:
            local = local.replace(hour=8, minute=30 + self.rng.randint(0, 29))
        while local.weekday() >= 5:
            local += dt.timedelta(days=1)
        return local
