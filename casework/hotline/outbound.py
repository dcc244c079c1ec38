"""12345 messages out: transports and the sender.

``send_due`` is a plain function: the ``hotline_send`` management command calls it (cron
or a systemd timer), and the job queue (#21a's Celery) can call it as a periodic task as
it is. Each due message is tried once per run; a failure counts an attempt, keeps the
error and waits longer each time (1, 2, 4 … minutes, at most 6 hours); after
``MAX_ATTEMPTS`` it stays as failed, visible on the case page, until someone resends it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from casework.models import HotlineOutbox, OutboxStatus

MAX_ATTEMPTS = 10
MAX_BACKOFF = dt.timedelta(hours=6)


class TransportError(Exception):
    """The transport could not deliver; the message is tried again later."""


class Transport(Protocol):
    def send(self, message: dict) -> None:
        """Deliver one message or raise ``TransportError``."""


class FileDropTransport:
    """Writes each message as a JSON file into a directory that the street's hotline link
    picks up (a shared folder, an SFTP drop, a spreadsheet macro). Written under a
    temporary name and renamed, so a reader never sees half a file."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def send(self, message: dict) -> None:
        name = f"{message['order_number']}-{message['type']}-{message['message_id']}.json"
        name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.directory, suffix=".part")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(message, handle, ensure_ascii=False, indent=2)
            os.replace(temporary, self.directory / name)
        except OSError as exc:
            raise TransportError(f"{self.directory}: {exc.strerror or exc}") from exc


class HttpTransport:
    """NOT BUILT: the 12345 platform's HTTP interface differs by city and needs its
    credentials; this is where it goes (POST the message, raise ``TransportError`` on any
    non-2xx or timeout). Configuring it fails loudly rather than dropping messages."""

    def __init__(self, url: str):
        raise NotImplementedError("The HTTP transport to the 12345 platform is not built yet.")

    def send(self, message: dict) -> None:  # pragma: no cover — not built
        raise NotImplementedError


def configured_transport() -> Transport:
    """From ``LINLI["HOTLINE_TRANSPORT"]``: ``file`` (default) into
    ``LINLI["HOTLINE_DROP_DIR"]``, or ``http`` (not built)."""
    kind = settings.LINLI.get("HOTLINE_TRANSPORT", "file")
    if kind == "http":
        return HttpTransport(settings.LINLI.get("HOTLINE_URL", ""))
    return FileDropTransport(settings.LINLI["HOTLINE_DROP_DIR"])


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failure: 1, 2, 4 … minutes, at most 6 hours."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0  # tried and failed this run (retried later or given up)


def send_due(*, transport: Transport | None = None, now=None, limit: int = 200) -> SendResult:
    """Send the outbox messages that are due, oldest first. Each message is locked while
    it is sent (two senders never send one message twice on PostgreSQL; SQLite runs one
    writer anyway)."""
    transport = transport or configured_transport()
    now = now or timezone.now()
    result = SendResult()
    due = list(
        HotlineOutbox.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        with transaction.atomic():
            message = (
                HotlineOutbox.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=OutboxStatus.PENDING)
                .first()
            )
            if message is None:
                continue  # another sender has it
            try:
                transport.send({**message.payload, "message_id": message.pk})
            except TransportError as exc:
                message.attempts += 1
                message.last_error = str(exc)[:2000]
                message.next_attempt_at = now + backoff(message.attempts)
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = OutboxStatus.FAILED
                result.failed += 1
            else:
                message.attempts += 1
                message.status = OutboxStatus.SENT
                message.sent_at = now
                message.last_error = ""
                result.sent += 1
            message.save()
    return result


def resend(*, message: HotlineOutbox) -> None:
    """Put a message that gave up back in the queue, due now."""
    HotlineOutbox.objects.filter(pk=message.pk, status=OutboxStatus.FAILED).update(
        status=OutboxStatus.PENDING, next_attempt_at=timezone.now()
    )
