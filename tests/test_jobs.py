"""The job outbox (core.jobs) in-process, as `make run` and the tests run it: a job is
written with the change, runs after the commit, is retried with backoff, ends visible as
failed, and a job whose hand-over was lost is picked up by the relay."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import jobs
from core.job_kinds import mail as queue_mail
from core.models import Job, JobStatus

CALLS: list[dict] = []


@jobs.job("tests.flaky", max_attempts=3)
def flaky(*, fail_times: int, tag: str) -> dict:
    """Fails the first ``fail_times`` calls for ``tag``, then succeeds."""
    CALLS.append({"tag": tag})
    if sum(1 for c in CALLS if c["tag"] == tag) <= fail_times:
        raise ConnectionError(f"provider down ({tag})")
    return {"tag": tag}


class Refusal(Exception):
    """What no retry cures, for ``tests.refusing``."""


@jobs.job("tests.refusing", max_attempts=5, give_up_on=(Refusal,))
def refusing(*, refuse: bool) -> dict:
    """Refuses (a give-up error) or fails (a retryable one)."""
    CALLS.append({"tag": "refusing"})
    raise Refusal("the case was reopened") if refuse else ConnectionError("worker busy")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    CALLS.clear()


def test_a_job_is_written_with_the_change_and_runs_after_the_commit(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        created = jobs.enqueue("tests.flaky", {"fail_times": 0, "tag": "a"})
        assert Job.objects.get(pk=created.pk).status == JobStatus.PENDING
        assert CALLS == []  # nothing runs before the commit
    created.refresh_from_db()
    assert created.status == JobStatus.DONE and created.attempts == 1
    assert created.result == {"tag": "a"} and created.finished_at is not None


def test_a_rolled_back_change_leaves_no_job(db, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        jobs.enqueue("tests.flaky", {"fail_times": 0, "tag": "b"})
        raise RuntimeError("the service refused")
    assert not Job.objects.exists() and CALLS == []


def test_a_failed_attempt_is_retried_after_the_backoff(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = jobs.enqueue("tests.flaky", {"fail_times": 1, "tag": "c"})
    created.refresh_from_db()
    assert created.status == JobStatus.PENDING and created.attempts == 1
    assert "ConnectionError: provider down (c)" in created.last_error
    wait = (created.run_after - timezone.now()).total_seconds()
    assert 25 < wait <= 30  # the first backoff: 30 s
    assert jobs.relay() == 0  # not yet due: nothing runs early
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=31), tick=False):
        assert jobs.relay() == 1
    created.refresh_from_db()
    assert created.status == JobStatus.DONE and created.attempts == 2
    assert len(CALLS) == 2


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 30), (2, 120), (3, 480), (4, 1920), (5, 3600), (9, 3600)]
)
def test_the_backoff_grows_fourfold_up_to_an_hour(settings, attempts, seconds):
    settings.LINLI = {**settings.LINLI, "JOB_BACKOFF_SECONDS": 30}
    assert jobs.backoff_seconds(attempts) == seconds


def test_after_the_last_attempt_the_job_stays_failed_until_staff_retry(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = jobs.enqueue("tests.flaky", {"fail_times": 3, "tag": "d"})
    for minutes in (1, 5):
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=False):
            jobs.relay()
    created.refresh_from_db()
    assert (created.status, created.attempts) == (JobStatus.FAILED, 3)
    assert "provider down (d)" in created.last_error
    with time_machine.travel(timezone.now() + dt.timedelta(days=1), tick=False):
        assert jobs.relay() == 0  # failed jobs are not retried behind anyone's back
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.retry([created.pk]) == 1
    created.refresh_from_db()
    assert (created.status, created.attempts) == (JobStatus.DONE, 4)


def test_a_job_whose_hand_over_was_lost_is_run_by_the_relay(db):
    # The commit happened, the process died before the on-commit hand-over (the test's
    # transaction never commits, so the callback never runs: the same situation).
    created = jobs.enqueue("tests.flaky", {"fail_times": 0, "tag": "e"})
    assert CALLS == []
    call_command("run_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115
    created.refresh_from_db()
    assert created.status == JobStatus.DONE and CALLS == [{"tag": "e"}]


def test_a_job_whose_worker_vanished_is_put_back(db):
    created = jobs.enqueue("tests.flaky", {"fail_times": 0, "tag": "f"})
    Job.objects.filter(pk=created.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now() - dt.timedelta(hours=1), attempts=1
    )
    jobs.relay()
    created.refresh_from_db()
    assert created.status == JobStatus.DONE and created.attempts == 2


def test_a_job_runs_once_however_often_it_is_handed_over(db):
    created = jobs.enqueue("tests.flaky", {"fail_times": 0, "tag": "g"})
    assert jobs.run(created.pk) == JobStatus.DONE
    assert jobs.run(created.pk) is None
    assert len(CALLS) == 1


def test_unknown_kinds_are_refused_when_asked_for(db):
    with pytest.raises(LookupError):
        jobs.enqueue("tests.nothing-like-this")
    assert not Job.objects.exists()


def test_mail_survives_a_mail_server_that_fails_once(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.mail.backends.locmem import EmailBackend

    real_send = EmailBackend.send_messages
    failures = iter([smtplib.SMTPServerDisconnected("connection lost")])

    def send_messages(self, messages):
        for failure in failures:
            raise failure
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    with django_capture_on_commit_callbacks(execute=True):
        created = queue_mail(subject="催办", body="请处理", recipients=["a@example.org", ""])
    created.refresh_from_db()
    assert created.status == JobStatus.PENDING and mail.outbox == []
    assert "SMTPServerDisconnected" in created.last_error
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=31), tick=False):
        jobs.relay()
    created.refresh_from_db()
    assert created.status == JobStatus.DONE
    assert [(m.subject, m.to) for m in mail.outbox] == [("催办", ["a@example.org"])]


def test_a_private_mail_is_forgotten_once_sent(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = queue_mail(
            subject="Receipt", body="Status code: K7Q2", recipients=["r@example.org"], private=True
        )
    created.refresh_from_db()
    assert created.status == JobStatus.DONE and created.payload == {}
    assert "K7Q2" in mail.outbox[0].body


def test_scheduled_commands_are_only_those_in_the_schedule(db, settings):
    settings.LINLI_SCHEDULE = {"prune_submission_keys": "15 3 * * *"}
    created = jobs.enqueue("core.command", {"name": "flush"})
    assert jobs.run(created.pk) == JobStatus.PENDING
    created.refresh_from_db()
    assert "is not a scheduled command" in created.last_error
    ok = jobs.enqueue("core.command", {"name": "prune_submission_keys"})
    assert jobs.run(ok.pk) == JobStatus.DONE


def test_the_beat_schedule_runs_every_scheduled_command_and_the_relay(settings):
    from config.celery import app

    app.loader.import_default_modules()
    app.finalize()
    from config.celery import _schedule

    _schedule(app)
    schedule = app.conf.beat_schedule
    assert schedule["relay-jobs"]["task"] == "linli.relay_jobs"
    for name in settings.LINLI_SCHEDULE:
        entry = schedule[f"command-{name}"]
        assert entry["task"] == "linli.scheduled_command" and entry["args"] == (name,)
    assert {"sla_sweep", "verify_archive", "prune_security_events"} <= set(settings.LINLI_SCHEDULE)


def test_a_queued_case_mail_is_in_the_outbox_before_the_commit(
    world, mediator, django_capture_on_commit_callbacks
):
    """The notifications queue their mail inside the service's transaction."""
    from casework.notifications import _send

    with transaction.atomic():
        _send(lambda: "主题", lambda: "正文", ["x@example.org"], "test")
        queued = Job.objects.get(kind="core.mail")
        assert queued.payload["recipients"] == ["x@example.org"]
        assert "正文" in queued.payload["body"]


# ------------------------------------------------------------------ staff's view


def test_supervisors_see_failed_jobs_and_retry_them_in_the_admin(
    admin_client, django_capture_on_commit_callbacks
):
    failed = Job.objects.create(
        kind="tests.flaky",
        payload={"fail_times": 0, "tag": "h"},
        status=JobStatus.FAILED,
        attempts=3,
        max_attempts=3,
        last_error="Traceback …\nConnectionError: provider down",
    )
    page = admin_client.get(reverse("admin:core_job_changelist") + "?status=failed")
    text = page.content.decode()
    assert page.status_code == 200
    assert "tests.flaky" in text and "ConnectionError: provider down" in text
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:core_job_changelist"),
            {"action": "retry_failed", "_selected_action": [failed.pk]},
            follow=True,
        )
    assert "1 job queued again." in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == JobStatus.DONE and failed.attempts == 4


def test_the_admin_never_shows_a_private_mail(admin_client):
    private = Job.objects.create(
        kind="core.mail.private",
        payload={"subject": "s", "body": "Status code: K7Q2", "recipients": ["r@example.org"]},
        status=JobStatus.FAILED,
    )
    page = admin_client.get(reverse("admin:core_job_change", args=[private.pk]))
    assert page.status_code == 200
    assert "K7Q2" not in page.content.decode() and "private: not shown" in page.content.decode()


def test_staff_without_the_permission_see_no_jobs(client, mediator):
    client.force_login(mediator)
    assert client.get(reverse("admin:core_job_changelist")).status_code in (302, 403)


def test_every_scheduled_command_has_a_systemd_timer_that_runs_it():
    """One machine runs the schedule with systemd timers, several with Celery beat: both
    read the same table, so a command added to LINLI_SCHEDULE without its timer would
    silently never run on a single-machine deployment."""
    from pathlib import Path

    from django.conf import settings

    units = Path(__file__).resolve().parent.parent / "deploy" / "systemd"
    runs = {}
    for service in units.glob("*.service"):
        for line in service.read_text().splitlines():
            if line.startswith("ExecStart=") and " manage " in line:
                runs[line.split(" manage ", 1)[1].split()[0]] = service.stem
    for name in settings.LINLI_SCHEDULE:
        assert name in runs, f"no systemd service runs {name}"
        assert (units / f"{runs[name]}.timer").exists(), f"{runs[name]}.service has no timer"


def test_a_refusal_no_retry_cures_fails_the_job_at_once_and_keeps_its_words(db):
    refused = jobs.enqueue("tests.refusing", {"refuse": True})
    busy = jobs.enqueue("tests.refusing", {"refuse": False})
    assert jobs.run(refused.pk) == JobStatus.FAILED
    assert jobs.run(busy.pk) == JobStatus.PENDING  # an ordinary error is retried
    refused.refresh_from_db()
    assert refused.attempts == 1 < refused.max_attempts
    assert refused.result == {"refused": "the case was reopened"}
    assert "Refusal" in refused.last_error and refused.finished_at is not None
    # Staff's retry gives it one more attempt, as any failed job.
    assert jobs.retry([refused.pk]) == 1
