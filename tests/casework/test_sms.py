"""Text messages as a real channel: recorded per message, sent by a job, retried with
backoff when the provider fails, visible to staff when it gives up; the HTTP provider
backend against a local fake provider; the file backend's outbox."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from casework import sms as casework_sms
from casework.models import SmsMessage, SmsPurpose, SmsStatus
from casework.phones import phone_key
from core import jobs, sms
from core.models import Job, JobStatus


class RefusingBackend(sms.BaseBackend):
    def send(self, to, body):
        raise sms.SmsFailed("the provider refused the message: HTTP 503")


def _queue(**kwargs):
    with transaction.atomic():
        return casework_sms.queue_sms(**kwargs)


def test_a_message_is_recorded_sent_after_commit_and_a_secret_is_not_kept(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue(
            to="+86 138-1234-5678", body="验证码 123456", purpose=SmsPurpose.CODE, private=True
        )
    message.refresh_from_db()
    assert sms.outbox == [
        {"id": message.provider_id, "to": "13812345678", "body": "【邻里】验证码 123456"}
    ]
    assert (message.status, message.attempts, message.to_key) == (
        SmsStatus.SENT,
        1,
        phone_key("13812345678"),
    )
    assert message.body == casework_sms.REDACTED  # the code is not kept once sent


def test_a_queued_text_holds_no_clear_number_or_code_in_the_database(db):
    """#27: a text waiting to be sent (a provider outage) is sealed at rest: the number
    and the words, which may hold a status code or a one-time code."""
    from django.db import connection

    message = _queue(to="13812345678", body="验证码 654321", purpose=SmsPurpose.CODE, private=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM casework_smsmessage WHERE id = %s", [message.pk])
        raw = " ".join(str(v) for v in cursor.fetchone())
    assert "2345678" not in raw and "654321" not in raw
    message.refresh_from_db()
    assert (message.to, message.body) == ("13812345678", "验证码 654321")


def test_only_mobile_numbers_are_texted(db):
    assert _queue(to="021-6234 5678", body="x", purpose=SmsPurpose.RECEIPT) is None
    assert not SmsMessage.objects.exists()


def test_a_failing_provider_is_retried_with_backoff_and_the_failure_shown(
    db, settings, django_capture_on_commit_callbacks, admin_client
):
    settings.LINLI = {**settings.LINLI, "SMS_BACKEND": "tests.casework.test_sms.RefusingBackend"}
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue(to="13812345678", body="您的诉求已受理", purpose=SmsPurpose.STAGE)
    message.refresh_from_db()
    job = Job.objects.get(kind=casework_sms.SMS_JOB)
    # One attempt failed: recorded on the message and the job, retried after the backoff.
    assert (message.status, message.attempts) == (SmsStatus.QUEUED, 1)
    assert "HTTP 503" in message.last_error
    assert job.status == JobStatus.PENDING and job.run_after > timezone.now()
    # The relay runs it again as its backoff passes, until the attempts are spent.
    now = timezone.now()
    for step in range(1, casework_sms.SMS_ATTEMPTS):
        now += jobs.timedelta(seconds=jobs.backoff_seconds(step) + 1)
        with time_machine.travel(now, tick=False):
            jobs.relay()
    message.refresh_from_db()
    job.refresh_from_db()
    assert message.attempts == casework_sms.SMS_ATTEMPTS
    assert message.status == SmsStatus.FAILED and job.status == JobStatus.FAILED
    # Staff see it: the admin's list of text messages, filtered to failures, and the job.
    page = admin_client.get(
        reverse("admin:casework_smsmessage_changelist") + "?status__exact=failed"
    ).content.decode()
    assert "HTTP 503" in page and "138****5678" in page and "13812345678" not in page
    assert admin_client.get(reverse("admin:core_job_changelist")).status_code == 200
    # A retry from the failed jobs sends it again once the provider is back.
    settings.LINLI = {**settings.LINLI, "SMS_BACKEND": "core.sms.MemoryBackend"}
    with django_capture_on_commit_callbacks(execute=True):
        jobs.retry([job.pk])
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT and len(sms.outbox) == 1


class FakeProvider(BaseHTTPRequestHandler):
    answers: list[tuple[int, bytes]] = []
    received: list[dict] = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        FakeProvider.received.append(
            {
                "auth": self.headers["Authorization"],
                "json": json.loads(self.rfile.read(length)),
            }
        )
        status, body = FakeProvider.answers.pop(0)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(settings):
    server = HTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeProvider.answers, FakeProvider.received = [], []
    settings.LINLI = {
        **settings.LINLI,
        "SMS_BACKEND": "core.sms.HttpBackend",
        "SMS_HTTP_URL": f"http://127.0.0.1:{server.server_port}/send",
        "SMS_HTTP_KEY": "k-123",
        "SMS_SIGNATURE": "【新华路】",
    }
    yield FakeProvider
    server.shutdown()
    server.server_close()


def test_the_http_backend_posts_to_the_provider_with_key_and_signature(provider):
    provider.answers.append((200, b'{"id": "p-42"}'))
    assert sms.backend().send("13812345678", "已受理") == "p-42"
    assert provider.received == [
        {
            "auth": "Bearer k-123",
            "json": {"to": "13812345678", "body": "【新华路】已受理", "signature": "【新华路】"},
        }
    ]


@pytest.mark.parametrize(
    "answer", [(500, b"{}"), (200, b"not json"), (200, b"{}"), (403, b'{"id": "x"}')]
)
def test_the_http_backend_treats_every_non_acceptance_as_a_failure(provider, answer):
    provider.answers.append(answer)
    with pytest.raises(sms.SmsFailed):
        sms.backend().send("13812345678", "x")


def test_the_http_backend_fails_cleanly_when_nobody_answers(settings):
    settings.LINLI = {
        **settings.LINLI,
        "SMS_BACKEND": "core.sms.HttpBackend",
        "SMS_HTTP_URL": "http://127.0.0.1:9/send",  # discard port: refused
    }
    with pytest.raises(sms.SmsFailed, match="did not answer"):
        sms.backend().send("13812345678", "x")


def test_the_file_backend_writes_the_dev_outbox(settings, tmp_path):
    settings.LINLI = {
        **settings.LINLI,
        "SMS_BACKEND": "core.sms.FileBackend",
        "SMS_FILE_DIR": str(tmp_path / "sms"),
    }
    sms.backend().send("13812345678", "您好")
    [written] = sms.read_file_outbox()
    assert (written["to"], written["body"]) == ("13812345678", "【邻里】您好")


def test_release_warns_when_the_sms_provider_has_no_address(settings):
    from core.checks import check_backends_importable, check_sms_provider

    settings.LINLI = {**settings.LINLI, "SMS_BACKEND": "core.sms.HttpBackend", "SMS_HTTP_URL": ""}
    assert [w.id for w in check_sms_provider(None)] == ["linli.W102"]
    settings.LINLI = {**settings.LINLI, "SMS_HTTP_URL": "https://sms.example.cn/send"}
    assert check_sms_provider(None) == []
    settings.LINLI = {**settings.LINLI, "SMS_BACKEND": "core.sms.NoSuchBackend"}
    assert any("SMS_BACKEND" in e.msg for e in check_backends_importable(None))
