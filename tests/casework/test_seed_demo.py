from django.contrib.auth import get_user_model
from django.core.management import call_command

from casework.models import Case, CaseEvent, Flat, Membership, Organisation, Place, Status


def _counts():
    return (
        Place.objects.count(),
        Flat.objects.count(),
        Organisation.objects.count(),
        Membership.objects.count(),
        get_user_model().objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
    )


def test_seed_demo_twice_does_not_duplicate(db, capsys):
    call_command("seed_demo", cases=60)
    first = _counts()
    call_command("seed_demo", cases=60)
    assert _counts() == first
    assert first[5] == 60
    out = capsys.readouterr().out
    assert "linli-demo-2026" in out and "supervisor" in out


def test_seed_demo_spreads_cases_over_states_with_real_events(db):
    call_command("seed_demo", cases=120)
    states = set(Case.objects.values_list("status", flat=True))
    assert states == {s.value for s in Status}
    # Every case was made through the services: each has its registration event.
    assert CaseEvent.objects.filter(kind="registered").count() == 120
    closed = Case.objects.filter(status=Status.CLOSED).first()
    assert list(closed.events.filter(kind="transition").values_list("to_status", flat=True)) == [
        "accepted",
        "in_progress",
        "resolved",
        "closed",
    ]
