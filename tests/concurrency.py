"""Two (or more) people acting at the same moment: ``race()`` runs callables in threads that
start together behind a barrier, each on its own database connection, and reports what
each one returned or raised.

Only PostgreSQL can show a race: SQLite's test database serialises writers (and cannot
serve a second thread inside a test's transaction), so the tests that race call
``needs_postgres()`` first and are marked ``postgres`` and
``django_db(transaction=True, serialized_rollback=True)`` — the threads must see what the
test wrote, so it must be committed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import close_old_connections, connection
from django.utils import translation


@dataclass
class Outcome:
    """What one contender's call came to: its return value or the exception it raised,
    and when it finished (``time.monotonic()``)."""

    value: object = None
    error: BaseException | None = None
    finished: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def kind(self) -> str:
        """``"ok"``, or the exception's class name: ``sorted(o.kind for o in outcomes)``
        reads as the race's result (``["ConcurrentChange", "ok"]``)."""
        return "ok" if self.error is None else type(self.error).__name__


def needs_postgres() -> None:
    """Skip the test on SQLite (see the module's docstring)."""
    if connection.vendor != "postgresql":
        pytest.skip("a race needs PostgreSQL: SQLite serialises writers anyway")


def race(*calls: Callable[[], object], timeout: float = 60) -> list[Outcome]:
    """Run ``calls`` at once, one thread each, and return their outcomes in order.

    Every thread waits at one barrier, then calls; an exception is recorded, not raised,
    so the test can assert which one lost and how. A new thread starts in LANGUAGE_CODE
    (zh-hans), so each activates English as the tests do. Each thread closes its own
    database connection when done (otherwise the test database cannot be dropped). A
    thread still running after ``timeout`` seconds fails the test: a race that hangs is a
    deadlock, not a result.
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome() for _call in calls]

    def contend(i: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            translation.activate("en")
            outcomes[i].value = calls[i]()
        except Exception as exc:  # recorded for the test's assertions
            outcomes[i].error = exc
        finally:
            outcomes[i].finished = time.monotonic()
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    stuck = [i for i, thread in enumerate(threads) if thread.is_alive()]
    assert not stuck, f"contenders {stuck} still running after {timeout} s (a deadlock?)"
    return outcomes
