"""Background jobs through a transactional outbox (issue #21).

A service asks for work with :func:`enqueue` *inside* its transaction: a :class:`Job` row
is written with the change, and only after the commit is the job handed to the queue. If
the process dies between the commit and the hand-over, the row is still there and the
relay (:func:`relay`, every minute from celery beat, or ``manage.py run_jobs``) hands it
over again. Whoever runs a job first claims it with one conditional UPDATE, so a job handed
over twice still runs once.

Where the work runs:

- with ``CELERY_BROKER_URL`` set (production, several machines): a Celery worker
  (``celery -A config worker``) runs ``core.tasks.run_job``;
- without it (``make run``, tests, a single small machine): in this process, right after
  the commit — through the same outbox, so a failure is retried and visible the same way
  (the retry waits for the relay: ``manage.py run_jobs``).

A failed attempt is recorded (``attempts``, ``last_error``) and retried after
:func:`backoff_seconds`; after ``max_attempts`` the job stays *failed*, listed for staff in
the admin (core.admin) with a retry action. Nothing is dropped silently.

Apps register what a kind of job does with :func:`job` (the kernel imports no app).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.models import Job, JobStatus

logger = logging.getLogger(__name__)

# A job still "running" after this long lost its worker (killed, machine gone): the relay
# puts it back in the queue. Longer than any job's honest run (a large export: minutes).
STALE_AFTER = timedelta(minutes=30)
# The relay re-sends only jobs overdue by this much, so it does not race the normal
# hand-over of a job committed a moment ago.
RELAY_GRACE = timedelta(seconds=60)


@dataclass(frozen=True)
class JobKind:
    """What one kind of job does: ``handler(**payload)`` returns a JSON-able result."""

    name: str
    handler: Callable[..., object]
    max_attempts: int
    # The payload holds something that must not stay in the database once the work is
    # done (a resident's status code in a receipt mail): it is emptied on success.
    sensitive: bool
    # Called after a failed attempt's transaction rolled back, with the payload, the error
    # and whether it was the last attempt: where a kind records failures on its own rows.
    on_failure: Callable[..., None] | None = None
    # Errors that no retry can cure (a refusal: the record is no longer in a state the work
    # applies to): the job fails at once, its message kept in ``result["refused"]``.
    give_up_on: tuple[type[BaseException], ...] = ()


REGISTRY: dict[str, JobKind] = {}


def job(
    name: str,
    *,
    max_attempts: int = 5,
    sensitive: bool = False,
    on_failure: Callable[..., None] | None = None,
    give_up_on: tuple[type[BaseException], ...] = (),
):
    """Register the decorated function as the handler of jobs of kind ``name``. It is
    called with the payload as keyword arguments and must raise to ask for a retry;
    ``on_failure(payload=, error=, final=)`` is then called outside its transaction. An
    error of a class in ``give_up_on`` is not retried: the job fails at once."""

    def register(handler):
        if name in REGISTRY and REGISTRY[name].handler is not handler:
            raise ValueError(f"job kind {name!r} is registered twice")
        REGISTRY[name] = JobKind(
            name, handler, max_attempts, sensitive, on_failure, tuple(give_up_on)
        )
        return handler

    return register


def backoff_seconds(attempts: int) -> int:
    """Seconds to wait before attempt ``attempts + 1``: with the default base of 30 s,
    30 s, 2 min, 8 min, 32 min, then hourly — a mail server back within minutes gets the
    mail within minutes, one that is down for an afternoon is not hammered."""
    base = settings.LINLI.get("JOB_BACKOFF_SECONDS", 30)
    return min(base * 4 ** max(attempts - 1, 0), 3600)


def broker_configured() -> bool:
    """Whether a Celery broker runs the jobs (else they run in this process)."""
    return bool(getattr(settings, "CELERY_BROKER_URL", ""))


def enqueue(kind: str, payload: dict | None = None, *, user=None) -> Job:
    """Write a job of ``kind`` in the current transaction; hand it to the queue after the
    commit. Unknown kinds are refused here, not in the worker."""
    if kind not in REGISTRY:
        raise LookupError(f"no job kind {kind!r} is registered")
    created = Job.objects.create(
        kind=kind,
        payload=payload or {},
        max_attempts=REGISTRY[kind].max_attempts,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    transaction.on_commit(lambda: dispatch(created.pk))
    return created


def dispatch(job_id: int, *, countdown: int = 0) -> None:
    """Hand job ``job_id`` to the worker (or run it here when there is no broker). A
    broker that does not answer is logged, not raised: the relay hands the job over later."""
    if broker_configured():
        from celery import current_app

        try:
            # By name (core.tasks.run_job): the message carries only the job's number.
            current_app.send_task("linli.run_job", args=(job_id,), countdown=countdown)
        except Exception:
            logger.exception("could not hand job %s to the queue; the relay will", job_id)
        return
    if countdown == 0:
        run(job_id)


def run(job_id: int) -> str | None:
    """Claim job ``job_id`` if it is due and run it once. Returns its new status, or None
    when someone else has it (already running, done, or not yet due)."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.PENDING, run_after__lte=now).update(
        status=JobStatus.RUNNING, attempts=F("attempts") + 1, started_at=now
    )
    if not claimed:
        return None
    current = Job.objects.get(pk=job_id)
    kind = REGISTRY.get(current.kind)
    try:
        if kind is None:
            raise LookupError(f"no job kind {current.kind!r} is registered in this process")
        with transaction.atomic():
            result = kind.handler(**current.payload)
    except Exception as exc:
        return _failed(current, exc, kind)
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.DONE,
        finished_at=timezone.now(),
        last_error="",
        result=result if isinstance(result, dict) else {},
        **({"payload": {}} if kind.sensitive else {}),
    )
    return JobStatus.DONE


def _refusal(exc: Exception) -> dict:
    """What a given-up job keeps for its page: a refusal's own words (a service's
    ``ServiceError``, written for the user), or ``gone`` when what it was to work on no
    longer exists — Django's "… matching query does not exist." is for the log."""
    if isinstance(exc, ObjectDoesNotExist):
        return {"gone": True}
    return {"refused": str(exc)[:1000]}


def _failed(current: Job, exc: Exception, kind: JobKind | None = None) -> str:
    """Record a failed attempt: retry after the backoff, or give up and stay visible."""
    logger.exception("job %s (%s) failed, attempt %s", current.pk, current.kind, current.attempts)
    error = "".join(traceback.format_exception(exc, limit=8))[-4000:]
    refused = kind is not None and isinstance(exc, kind.give_up_on)
    final = refused or current.attempts >= current.max_attempts
    if kind is not None and kind.on_failure is not None:
        try:
            kind.on_failure(
                payload=current.payload, error=str(exc) or type(exc).__name__, final=final
            )
        except Exception:
            logger.exception("job %s (%s): its failure hook failed", current.pk, current.kind)
    if final:
        Job.objects.filter(pk=current.pk).update(
            status=JobStatus.FAILED,
            last_error=error,
            finished_at=timezone.now(),
            result=_refusal(exc) if refused else {},
        )
        return JobStatus.FAILED
    wait = backoff_seconds(current.attempts)
    Job.objects.filter(pk=current.pk).update(
        status=JobStatus.PENDING,
        last_error=error,
        run_after=timezone.now() + timedelta(seconds=wait),
    )
    dispatch(current.pk, countdown=wait)
    return JobStatus.PENDING


def retry(job_ids, *, user=None) -> int:
    """Staff's retry of failed jobs: one more attempt each, now. Returns how many."""
    ids = list(
        Job.objects.filter(pk__in=job_ids, status=JobStatus.FAILED).values_list("pk", flat=True)
    )
    with transaction.atomic():
        Job.objects.filter(pk__in=ids).update(
            status=JobStatus.PENDING,
            run_after=timezone.now(),
            max_attempts=F("attempts") + 1,
            finished_at=None,
        )
        for job_id in ids:
            transaction.on_commit(lambda job_id=job_id: dispatch(job_id))
    return len(ids)


def relay(*, now=None) -> int:
    """The outbox relay: put jobs whose worker vanished back in the queue, and hand over
    every due job that nobody has picked up (a crash between commit and hand-over, a
    broker that was down, a retry in a process without a broker). Returns how many."""
    now = now or timezone.now()
    Job.objects.filter(status=JobStatus.RUNNING, started_at__lt=now - STALE_AFTER).update(
        status=JobStatus.PENDING, run_after=now
    )
    due = list(
        Job.objects.filter(status=JobStatus.PENDING, run_after__lte=now - RELAY_GRACE)
        .order_by("run_after")
        .values_list("pk", flat=True)[:1000]
    )
    if broker_configured():
        for job_id in due:
            dispatch(job_id)
    else:
        # In-process: the grace is for racing a hand-over, which does not exist here.
        due = list(
            Job.objects.filter(status=JobStatus.PENDING, run_after__lte=now)
            .order_by("run_after")
            .values_list("pk", flat=True)[:1000]
        )
        for job_id in due:
            run(job_id)
    return len(due)


def queue_depth() -> dict[str, int]:
    """Jobs waiting and jobs failed (for /metrics and the readiness page)."""
    return {
        "pending": Job.objects.filter(status=JobStatus.PENDING).count(),
        "failed": Job.objects.filter(status=JobStatus.FAILED).count(),
    }
