"""Text messages to residents, each recorded (``SmsMessage``) and sent by a job.

``queue_sms`` writes the message and its job in the caller's transaction; the job
(``casework.sms``) sends it through the configured backend (``core.sms``) after the commit.
A failed attempt is written on the message (``attempts``, ``last_error``) and the job is
retried with the outbox's backoff (``core.jobs.backoff_seconds``); after the last attempt
the message stays *failed* — listed for staff in the admin's text messages and among the
failed jobs, where a retry sends it again — never dropped.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from casework.models import Case, SmsMessage, SmsStatus
from casework.phones import normalise, phone_key
from core import sms
from core.jobs import enqueue, job

SMS_JOB = "casework.sms"
SMS_ATTEMPTS = 6
# What a private message's text becomes once it is sent (the secret is not kept).
REDACTED = "(…)"


def is_mobile(phone: str) -> bool:
    """Whether ``phone`` is a mainland mobile number (11 digits from 1): only those get SMS."""
    digits = normalise(phone)
    return len(digits) == 11 and digits.startswith("1")


def queue_sms(
    *,
    to: str,
    body: str,
    purpose: str,
    case: Case | None = None,
    private: bool = False,
) -> SmsMessage | None:
    """Record a text message to ``to`` and queue its sending in the current transaction
    (sent after commit, retried on failure). None when ``to`` is not a mobile number."""
    if not is_mobile(to):
        return None
    message = SmsMessage.objects.create(
        to=normalise(to),
        to_key=phone_key(to),
        purpose=purpose,
        case=case,
        body=body,
        private=private,
    )
    enqueue(SMS_JOB, {"message": message.pk})
    return message


def _record_failure(*, payload: dict, error: str, final: bool) -> None:
    """After a failed attempt rolled back: count it on the message, keep the reason, and
    mark it failed when no attempt is left (staff see it; a retry re-queues it)."""
    SmsMessage.objects.filter(pk=payload.get("message")).exclude(status=SmsStatus.SENT).update(
        attempts=F("attempts") + 1,
        last_error=error[:500],
        status=SmsStatus.FAILED if final else SmsStatus.QUEUED,
    )


@job(SMS_JOB, max_attempts=SMS_ATTEMPTS, on_failure=_record_failure)
def send_sms_job(*, message: int) -> dict:
    """Send one recorded message; a backend failure raises, so the job is retried."""
    found = SmsMessage.objects.filter(pk=message).first()
    if found is None or found.status == SmsStatus.SENT:
        return {"message": message, "skipped": True}
    provider_id = sms.backend().send(found.to, found.body)
    SmsMessage.objects.filter(pk=found.pk).update(
        status=SmsStatus.SENT,
        attempts=F("attempts") + 1,
        sent_at=timezone.now(),
        provider_id=provider_id[:100],
        last_error="",
        **({"body": REDACTED} if found.private else {}),
    )
    return {"message": message}


def resend(messages) -> int:
    """Staff's "send again" for failed messages: each gets a fresh job (and attempts)."""
    count = 0
    with transaction.atomic():
        for message in messages.select_for_update():
            if message.status != SmsStatus.FAILED:
                continue
            SmsMessage.objects.filter(pk=message.pk).update(status=SmsStatus.QUEUED)
            enqueue(SMS_JOB, {"message": message.pk})
            count += 1
    return count
