"""Text messages (SMS) through a pluggable backend, as Django's mail backends are.

``LINLI["SMS_BACKEND"]`` names a class with ``send(to, body) -> str`` (the provider's
message id) that raises :class:`SmsFailed` when the message did not go out — the caller
(a job, see ``casework.sms``) records the failure and retries with backoff.

Backends shipped:

- ``core.sms.FileBackend`` (development and the demo): each message is written as one
  JSON file into ``LINLI["SMS_FILE_DIR"]`` (``var/sms/``); nothing leaves the machine.
- ``core.sms.HttpBackend`` (production): POSTs JSON ``{"to", "body", "signature"}`` to
  ``LINLI_SMS_HTTP_URL`` with ``Authorization: Bearer <LINLI_SMS_HTTP_KEY>``. The
  provider answers 2xx with JSON ``{"id": "..."}`` when it accepted the message; anything
  else (a timeout, a refused connection, a non-2xx status, a body without an id) is a
  failure. ``LINLI_SMS_SIGNATURE`` is the registered signature (短信签名, e.g. 【邻里】)
  that Chinese carriers require at the head of every message; the backend prepends it.
  An adapter for a provider with another wire format is a subclass overriding
  ``request_body`` and ``message_id``.
- ``core.sms.MemoryBackend`` (tests): keeps messages in ``core.sms.outbox``.

The kernel imports no app: recording each message (a model with its status and
attempts) is casework's (``casework.sms``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsFailed(Exception):
    """The message did not go out; ``str(exc)`` says why (no secrets, no message text)."""


class BaseBackend:
    def send(self, to: str, body: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    @staticmethod
    def signed(body: str) -> str:
        signature = settings.LINLI.get("SMS_SIGNATURE", "")
        return f"{signature}{body}" if signature and not body.startswith(signature) else body


class FileBackend(BaseBackend):
    """Writes each message to ``SMS_FILE_DIR`` as ``<time>-<id>.json``."""

    def send(self, to: str, body: str) -> str:
        directory = Path(settings.LINLI["SMS_FILE_DIR"])
        directory.mkdir(parents=True, exist_ok=True)
        message_id = uuid.uuid4().hex
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        path = directory / f"{stamp}-{message_id}.json"
        data = {
            "id": message_id,
            "to": to,
            "body": self.signed(body),
            "at": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
        }
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return message_id


def read_file_outbox(limit: int = 50) -> list[dict]:
    """The newest messages the file backend wrote (the demo's outbox page)."""
    directory = Path(settings.LINLI["SMS_FILE_DIR"])
    if not directory.is_dir():
        return []
    files = sorted(directory.glob("*.json"), reverse=True)[:limit]
    found = []
    for path in files:
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return found


# Messages the memory backend "sent" (tests read and clear it).
outbox: list[dict] = []


class MemoryBackend(BaseBackend):
    def send(self, to: str, body: str) -> str:
        message_id = uuid.uuid4().hex
        outbox.append({"id": message_id, "to": to, "body": self.signed(body)})
        return message_id


class HttpBackend(BaseBackend):
    """A provider's HTTP API (see the module docstring for the wire format)."""

    timeout = 10

    def request_body(self, to: str, body: str) -> dict:
        return {
            "to": to,
            "body": self.signed(body),
            "signature": settings.LINLI.get("SMS_SIGNATURE", ""),
        }

    def message_id(self, status: int, raw: bytes) -> str:
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError:
            data = None
        if not isinstance(data, dict) or not data.get("id"):
            raise SmsFailed("the provider's answer has no message id")
        return str(data["id"])

    def send(self, to: str, body: str) -> str:
        url = settings.LINLI.get("SMS_HTTP_URL", "")
        if not url:
            raise SmsFailed("LINLI_SMS_HTTP_URL is not set")
        request = urllib.request.Request(
            url,
            data=json.dumps(self.request_body(to, body), ensure_ascii=False).encode("utf-8"),
            headers={
                "Authorization": f"Bearer {settings.LINLI.get('SMS_HTTP_KEY', '')}",
                "Content-Type": "application/json; charset=utf-8",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return self.message_id(response.status, response.read(65536))
        except urllib.error.HTTPError as exc:
            raise SmsFailed(f"the provider refused the message: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise SmsFailed(f"the provider did not answer: {type(exc).__name__}") from None


def backend() -> BaseBackend:
    """The configured backend (a fresh instance: backends hold no state between sends)."""
    return import_string(settings.LINLI["SMS_BACKEND"])()
