from django.contrib.auth import get_user_model
from django.core.management import call_command

from casework.management.commands.seed_demo import ONLINE_TODAY
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
    assert first[5] == 60 + ONLINE_TODAY  # two residents report online today
    out = capsys.readouterr().out
    assert "linli-demo-2026" in out and "supervisor" in out


def test_seed_demo_spreads_cases_over_states_with_real_events(db):
    call_command("seed_demo", cases=120)
    states = set(Case.objects.values_list("status", flat=True))
    assert states == {s.value for s in Status}
    # Every case was made through the services: each has its registration event.
    assert CaseEvent.objects.filter(kind="registered").count() == 120 + ONLINE_TODAY
    # A closed case went the whole way; a referral on the way paused and resumed it (the
    # history's dice depend on the minute it is seeded, so whichever case comes first).
    closed = Case.objects.filter(status=Status.CLOSED).first()
    steps = list(closed.events.filter(kind="transition").values_list("to_status", flat=True))
    assert steps[:2] == ["accepted", "in_progress"] and steps[-2:] == ["resolved", "closed"]
    assert set(steps[2:-2]) <= {"waiting", "in_progress"}, steps


def test_the_demo_texts_its_online_residents_into_the_outbox(
    db, settings, tmp_path, django_capture_on_commit_callbacks
):
    """#22: the development SMS backend's outbox shows the demo's texts: two receipts,
    and "accepted" and "being handled" to the resident whose case was worked today."""
    from core import sms

    settings.LINLI = {
        **settings.LINLI,
        "SMS_BACKEND": "core.sms.FileBackend",
        "SMS_FILE_DIR": str(tmp_path / "sms"),
    }
    with django_capture_on_commit_callbacks(execute=True):  # the texts go after commit
        call_command("seed_demo", cases=6, stdout=open("/dev/null", "w"))  # noqa: SIM115
    bodies = [m["body"] for m in sms.read_file_outbox()]
    assert len(bodies) == 4, bodies
    assert sum("查询码" in b for b in bodies) == 2
    assert sum("已受理" in b for b in bodies) == 1 and sum("正在办理" in b for b in bodies) == 1
    # The residents' home page names whom to call: the committees' office phones.
    assert Organisation.objects.exclude(phone="").count() >= 2
