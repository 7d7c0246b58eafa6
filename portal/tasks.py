"""Thin Celery tasks: an id in, one service call."""

from __future__ import annotations

from celery import shared_task

from portal import jobs


@shared_task(name="portal.job_run", acks_late=True, reject_on_worker_lost=True)
def job_run(job_id: int) -> None:
    jobs.job_execute(job_id)
