"""The job queue with its real parts: a request on this side, redis-server as the broker,
a Celery worker process (``celery -A config worker``) on the other, and an SMTP server
that refuses the first delivery. The mail must arrive anyway, on the second attempt.

PostgreSQL only: the worker is another process and must see the test's committed rows
(SQLite's test database lives in this process's memory).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.urls import reverse

from core.models import Job, JobStatus
from tests.factories import UserFactory
from tests.servers import redis_url

pytestmark = [pytest.mark.servers, pytest.mark.postgres]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FailsOnceSMTP:
    """An SMTP sink whose first delivery is refused with a temporary error (451)."""

    def __init__(self):
        self.attempts = 0
        self.delivered: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.attempts == 1:
            return "451 4.3.0 Mailbox temporarily unavailable, try again"
        self.delivered.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp_sink():
    handler = FailsOnceSMTP()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def _wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


@pytest.fixture
def worker(transactional_db, settings, smtp_sink, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs the test database on a server (PostgreSQL)")
    broker = redis_url()
    _, smtp_port = smtp_sink
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LINLI_ENV": "test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "LINLI_JOB_BACKOFF_SECONDS": "1",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),  # the archive's files, read back here
    }
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "config", "purge", "-f"],
        env=env,
        capture_output=True,
        timeout=60,
        check=True,
    )
    log = Path(tmp_path) / "worker.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                "-n",
                f"linli-test-{os.getpid()}@%h",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(lambda: "ready." in log.read_text(), 60, "the worker to start")
        settings.CELERY_BROKER_URL = broker  # this process hands jobs to the broker now
        yield process, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_requests_mail_is_sent_by_the_worker_after_the_mail_server_fails_once(
    client, worker, smtp_sink
):
    handler, _ = smtp_sink
    _, log = worker
    UserFactory(username="officer", email="officer@example.org")
    response = client.post(reverse("password_reset"), {"email": "officer@example.org"})
    assert response.status_code == 302
    job = Job.objects.get(kind="core.mail.private")

    def done():
        job.refresh_from_db()
        return job.status in {JobStatus.DONE, JobStatus.FAILED}

    _wait_for(done, 60, f"the job to finish (worker log: {log})")
    assert job.status == JobStatus.DONE, log.read_text()[-3000:]
    assert job.attempts == 2  # the first attempt met the 451, the retry delivered
    assert handler.attempts == 2
    [(recipients, content)] = handler.delivered
    assert recipients == ["officer@example.org"]
    assert "/accounts/reset/" in content
    assert job.payload == {}  # the reset link does not stay in the outbox
    assert "linli.run_job" in log.read_text()


def test_approved_minutes_are_rendered_and_archived_by_the_worker(worker, tmp_path):
    """#21: approving hands the PDF to the worker; the request renders nothing."""
    from consultation import services
    from consultation.models import ArchiveRecord
    from tests.factories import MinutesFactory

    _, log = worker
    minutes = MinutesFactory(signed=True)
    services.minutes_transition(minutes=minutes, name="approve", actor=minutes.created_by)
    job = Job.objects.get(kind="archive.minutes")

    def done():
        job.refresh_from_db()
        return job.status in {JobStatus.DONE, JobStatus.FAILED}

    _wait_for(done, 120, f"the archive job to finish (worker log: {log})")
    assert job.status == JobStatus.DONE, log.read_text()[-3000:]
    record = ArchiveRecord.objects.get(minutes=minutes)
    assert job.result["record"] == record.pk
    path = tmp_path / "minutes.pdf"
    path.write_bytes(record.file.read())
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    minutes.refresh_from_db()
    assert minutes.snapshot["document_number"] in text.replace(" ", "")
