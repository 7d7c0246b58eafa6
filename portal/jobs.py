"""Background jobs with progress: one runner for every import and re-run.

An app registers a handler for a kind of job; `job_start` records the job
and enqueues `portal.tasks.job_run` once the transaction commits; the task
calls `job_execute`, which hands the job to its handler with a progress
callback. Progress is written to the cache, not the database, because the
handler's own work usually runs inside one transaction that other
connections cannot see until it commits.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from portal.choices import JobStatus
from portal.models import Agency, Job, User

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Handler = Callable[[Job, Progress], dict[str, Any]]


class JobFailed(Exception):
    """A handler's expected failure: the message and result are shown to the user."""

    def __init__(self, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.result = result or {}


@dataclass(frozen=True)
class _Registration:
    handler: Handler
    queue: str


_registry: dict[str, _Registration] = {}


def register(kind: str, *, queue: str = "default") -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        _registry[kind] = _Registration(handler=handler, queue=queue)
        return handler

    return decorator


def _progress_key(job_id: int) -> str:
    return f"portal:job-progress:{job_id}"


def job_progress(job: Job) -> tuple[int, int]:
    """The latest (current, total) of a job, from the cache while it runs."""
    cached = cache.get(_progress_key(job.pk))
    if cached and not job.is_finished:
        return int(cached[0]), int(cached[1])
    return job.progress_current, job.progress_total


def job_start(
    *,
    agency: Agency,
    kind: str,
    label: str,
    created_by: User | None = None,
    params: dict[str, Any] | None = None,
) -> Job:
    """Record a job and enqueue it when the surrounding transaction commits."""
    if kind not in _registry:
        raise KeyError(f"No handler is registered for jobs of kind {kind!r}")
    job = Job.objects.create(
        agency=agency, kind=kind, label=label, created_by=created_by, params=params or {}
    )
    from portal.tasks import job_run

    queue = _registry[kind].queue
    transaction.on_commit(lambda: job_run.apply_async(args=[job.pk], queue=queue))
    return job


def job_execute(job_id: int) -> None:
    """Run one job to its end. A job already finished is left alone (redelivery)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    registration = _registry.get(job.kind)
    if registration is None:
        _finish(job, JobStatus.FAILED, message=f"Unknown kind of job: {job.kind}")
        return
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    job.status = JobStatus.RUNNING
    key = _progress_key(job.pk)

    def progress(current: int, total: int) -> None:
        cache.set(key, (current, total), timeout=24 * 60 * 60)
        job.progress_current, job.progress_total = current, total

    try:
        # All or nothing (SECURITY.md item 11): a handler that refuses a file, or
        # fails, leaves no record behind. Progress goes to the cache, so the page
        # still moves while the transaction is open.
        with transaction.atomic():
            result = registration.handler(job, progress)
    except JobFailed as failure:
        _finish(job, JobStatus.FAILED, message=failure.message, result=failure.result)
    except Exception:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        # The trace goes to the log, not to the page.
        _finish(job, JobStatus.FAILED, message="The job failed unexpectedly; see the server log.")
        logger.debug(traceback.format_exc())
    else:
        _finish(job, JobStatus.SUCCEEDED, result=result)
    finally:
        cache.delete(key)


def _finish(
    job: Job, status: str, *, message: str = "", result: dict[str, Any] | None = None
) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=status,
        message=message,
        result=result or {},
        progress_current=job.progress_current,
        progress_total=job.progress_total,
        finished_at=timezone.now(),
    )
