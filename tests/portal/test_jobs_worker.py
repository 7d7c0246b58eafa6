"""Background jobs run by a real Celery worker on the configured broker."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from portal import jobs
from portal.choices import JobStatus
from portal.models import Job


@jobs.register("test-count-agencies")
def _count_agencies(job: Job, progress: jobs.Progress) -> dict[str, int]:
    from portal.models import Agency

    total = Agency.objects.count()
    for index in range(total):
        progress(index + 1, total)
    return {"agencies": total, "worker_saw_job": job.pk}


@jobs.register("test-refused")
def _refuse(job: Job, progress: jobs.Progress) -> dict[str, int]:
    raise jobs.JobFailed("Row 3: bad date", {"errors": [{"row": 3, "reason": "bad date"}]})


def wait_for(job: Job, seconds: float = 20) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job.pk} did not finish: {job.status}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_job_runs_on_a_real_worker(celery_worker, agency_a, agency_b, owner):
    with transaction.atomic():
        job = jobs.job_start(
            agency=agency_a, kind="test-count-agencies", label="Count", created_by=owner
        )
    job = wait_for(job)
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"agencies": 2, "worker_saw_job": job.pk}
    assert (job.progress_current, job.progress_total) == (2, 2)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_refused_job_keeps_its_report_and_redelivery_changes_nothing(celery_worker, agency_a):
    with transaction.atomic():
        job = jobs.job_start(agency=agency_a, kind="test-refused", label="Refused")
    job = wait_for(job)
    assert job.status == JobStatus.FAILED
    assert job.message == "Row 3: bad date"
    assert job.result["errors"][0]["row"] == 3
    finished_at = job.finished_at
    # A second delivery of the same message finds the job finished and leaves it.
    jobs.job_execute(job.pk)
    job.refresh_from_db()
    assert job.finished_at == finished_at


def test_job_for_a_vanished_id_exits_cleanly(db):
    jobs.job_execute(987654321)
    assert not Job.objects.exists()


def test_job_page_shows_a_progress_bar(owner_client, agency_a):
    job = Job.objects.create(agency=agency_a, kind="x", label="Import traces", progress_total=10)
    page = owner_client.get(job.get_absolute_url()).content.decode()
    assert "<progress" in page and "Import traces" in page
    status = owner_client.get(f"/jobs/{job.pk}/status.json").json()
    assert status["status"] == "pending" and status["finished"] is False
