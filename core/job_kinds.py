"""The kernel's own kinds of job: a mail, and a scheduled management command."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.management import call_command

from core.jobs import enqueue, job


@job("core.mail", max_attempts=8)
def send_mail_job(*, subject: str, body: str, recipients: list[str]) -> dict:
    """Send one mail; an SMTP failure raises, so the job is retried with backoff."""
    EmailMessage(subject, body, None, recipients).send(fail_silently=False)
    return {"recipients": len(recipients)}


@job("core.mail.private", max_attempts=8, sensitive=True)
def send_private_mail_job(*, subject: str, body: str, recipients: list[str]) -> dict:
    """A mail holding a secret (a resident's status code): its text is erased from the
    outbox once sent."""
    return send_mail_job(subject=subject, body=body, recipients=recipients)


def mail(*, subject: str, body: str, recipients, private: bool = False, user=None):
    """Queue a mail in the current transaction (sent after the commit, retried on failure).
    Empty and duplicate addresses are dropped; no recipients, no job."""
    addresses = sorted({r for r in recipients if r})
    if not addresses:
        return None
    return enqueue(
        "core.mail.private" if private else "core.mail",
        {"subject": subject, "body": body, "recipients": addresses},
        user=user,
    )


@job("core.command", max_attempts=3)
def run_command(*, name: str) -> dict:
    """A scheduled management command, only one named in LINLI_SCHEDULE (a payload never
    chooses arbitrary code)."""
    if name not in settings.LINLI_SCHEDULE:
        raise LookupError(f"{name!r} is not a scheduled command (LINLI_SCHEDULE)")
    call_command(name)
    return {"command": name}
