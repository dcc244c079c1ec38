"""Running the archive jobs in tests (#21: a PDF never holds a web worker).

In the product the job an action queues runs after the commit (a Celery worker, or this
process). A pytest-django test runs inside a transaction that never commits, so nothing
runs by itself: a test either wraps the action in ``django_capture_on_commit_callbacks(
execute=True)`` (the commit as the product has it), or calls :func:`run_archive_jobs`
where the product's worker would have run — as the factories do, whose traits promise
"archived". Tests of the pending state (no record yet, the page saying so) call neither.
"""

from __future__ import annotations

from consultation.models.archive import ARCHIVE_JOBS
from core import jobs
from core.models import Job, JobStatus


def run_archive_jobs() -> list[str]:
    """Run every archive job that is waiting, as the worker would; returns their new
    statuses (the signature each one queues waits for a commit, as it does today)."""
    waiting = Job.objects.filter(kind__in=ARCHIVE_JOBS.values(), status=JobStatus.PENDING).order_by(
        "id"
    )
    return [jobs.run(pk) for pk in waiting.values_list("pk", flat=True)]
