from django.core.management import call_command

from consultation.models import (
    ArchiveRecord,
    BallotCampaign,
    Meeting,
    MeetingStatus,
    MinutesStatus,
    dossier_missing_items,
)
from tests.jobs import run_archive_jobs


def test_seed_meetings_after_seed_demo_is_idempotent(db, capsys):
    call_command("seed_demo", cases=80)
    call_command("seed_meetings")
    call_command("seed_meetings")
    assert "already present" in capsys.readouterr().out
    # The commands' commits hand the archive jobs over; in a test the worker runs here.
    assert set(run_archive_jobs()) == {"done"}
    assert Meeting.objects.count() == 7
    hearing = Meeting.objects.get(topic="3号楼加装电梯方案听证会")
    assert hearing.status == MeetingStatus.CLOSED
    assert hearing.minutes.get().status == MinutesStatus.APPROVED
    # Approved minutes (three) and the published ballot's result sheet are archived.
    assert ArchiveRecord.objects.count() == 4
    demo = BallotCampaign.objects.get(status="collecting")
    assert demo.status == "collecting"
    # The demo stairwell's owners are persons; one owns both ground-floor flats (one head).
    from consultation.selectors import compute_tally

    tally = compute_tally(demo)
    assert tally.total_heads == tally.total_units - 1
    assert tally.as_dict()["heads"][0]["units"] == 2
    # Every demo meeting is linked to a case whose page lists it.
    assert all(m.cases.exists() for m in Meeting.objects.all())


def test_seed_mediations_after_seed_demo_is_idempotent(db, capsys, settings, tmp_path):
    from consultation.models import Mediation, MediationStatus

    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", cases=80)
    call_command("seed_meetings")
    call_command("seed_mediations")
    call_command("seed_mediations")
    assert "already present" in capsys.readouterr().out
    run_archive_jobs()  # the worker, after the commands' commits
    by_status = {m.status: m for m in Mediation.objects.all()}
    assert set(by_status) == {
        MediationStatus.AGREED,
        MediationStatus.ENDED,
        MediationStatus.MEDIATING,
    }
    agreed = by_status[MediationStatus.AGREED]
    assert agreed.agreement.judicial_reminder_due
    assert ArchiveRecord.objects.filter(agreement=agreed.agreement).exists()
    assert by_status[MediationStatus.ENDED].routes_told
    assert dossier_missing_items(by_status[MediationStatus.MEDIATING])
