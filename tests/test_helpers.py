"""The shared test helpers do what the tests that lean on them assume: ``race()`` really
runs its calls at once and reports each outcome, and the URL walk fails a URL that has no
entry."""

import threading
import time

import pytest

from tests.concurrency import race
from tests.urlwalk import ARGUMENTS, Route


def test_race_runs_the_calls_at_once_and_reports_each_outcome():
    meet = threading.Barrier(2, timeout=5)  # passes only if both calls run at the same time

    def wins():
        meet.wait()
        return "won"

    def loses():
        meet.wait()
        raise ValueError("lost")

    outcomes = race(wins, loses)
    assert [o.kind for o in outcomes] == ["ok", "ValueError"]
    assert outcomes[0].value == "won" and str(outcomes[1].error) == "lost"
    assert all(o.finished > 0 for o in outcomes)


def test_a_race_that_hangs_fails_instead_of_passing():
    with pytest.raises(AssertionError, match="still running"):
        race(lambda: time.sleep(1), timeout=0.1)


def test_a_url_without_an_entry_fails_the_walk():
    new = Route("consultation:something_new", "meetings/<int:pk>/something/")
    assert new.name not in ARGUMENTS and new.arguments == {"pk"}
    assert new.names_a_record  # so the outsider walks take it, and fail on it
    with pytest.raises(AssertionError, match="has no entry in tests/urlwalk"):
        new.path()
