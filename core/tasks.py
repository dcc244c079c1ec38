"""The Celery tasks: thin doors into core.jobs. The work and its record live in the
outbox (core.models.Job); Celery only carries job numbers, so a lost message costs a
minute (the relay re-sends it), never the work."""

from __future__ import annotations

from celery import shared_task

from core import jobs


@shared_task(name="linli.run_job", acks_late=True, ignore_result=True)
def run_job(job_id: int) -> None:
    """Run one job of the outbox (claimed once, however often it is delivered)."""
    jobs.run(job_id)


@shared_task(name="linli.relay_jobs", ignore_result=True)
def relay_jobs() -> None:
    """celery beat, every minute: hand over jobs nobody picked up (core.jobs.relay)."""
    jobs.relay()


@shared_task(name="linli.scheduled_command", ignore_result=True)
def scheduled_command(name: str) -> None:
    """celery beat: a scheduled management command, as a job so that its failures are
    retried and visible like any other (settings.LINLI_SCHEDULE)."""
    from django.db import transaction

    with transaction.atomic():
        jobs.enqueue("core.command", {"name": name})
