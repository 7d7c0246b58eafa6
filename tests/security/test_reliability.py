"""SECURITY.md items 15 (Celery tasks) and 17 (the backup and restore drill)."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from portal import jobs
from portal.celery import app
from portal.choices import JobStatus
from portal.models import Agency, AuditEvent, Job
from portal.tasks import job_run
from tests.factories import AgencyFactory


@jobs.register("test-item-15-count")
def _count(job: Job, progress: jobs.Progress) -> dict[str, int]:
    progress(1, 1)
    return {"runs": 1}


def test_item_15_tasks_are_json_late_acked_and_outlive_no_visibility_timeout():
    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]
    assert app.conf.result_serializer == "json"
    assert job_run.acks_late and job_run.reject_on_worker_lost
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > app.conf.task_time_limit >= app.conf.task_soft_time_limit


@pytest.mark.django_db
def test_item_15_jobs_are_enqueued_on_commit_and_a_second_delivery_changes_nothing(
    agency_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = jobs.job_start(agency=agency_a, kind="test-item-15-count", label="Count")
    assert len(callbacks) == 1  # nothing is sent before the transaction commits
    job_run.apply(args=[job.pk])  # an id, never the object
    job.refresh_from_db()
    finished_at = job.finished_at
    assert job.status == JobStatus.SUCCEEDED and job.result == {"runs": 1}
    job_run.apply(args=[job.pk])  # the broker delivers the same message again
    job.refresh_from_db()
    assert job.finished_at == finished_at and job.result == {"runs": 1}


def _dsn(dbname: str) -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {
        "dbname": dbname,
        "user": db["USER"],
        "host": db["HOST"] or "127.0.0.1",
        "port": str(db["PORT"] or 5432),
        **({"password": db["PASSWORD"]} if db.get("PASSWORD") else {}),
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not shutil.which("pg_dump"), reason="PostgreSQL client tools not installed")
def test_item_17_backup_and_restore_drill(tmp_path):
    """The drill of docs/backup.md: pg_dump -Fc, pg_restore into a new database, compare."""
    AgencyFactory(name="Drill Agency", ori="DR0000001", state="DR")
    AuditEvent.objects.create(event_type="login", actor_username="drill")
    source = connection.settings_dict["NAME"]
    target = f"portal_restore_{uuid.uuid4().hex[:8]}"
    conn = _dsn(source)
    env = {**os.environ, "PGPASSWORD": conn.get("password", "")}
    common = ["-h", conn["host"], "-p", conn["port"], "-U", conn["user"]]
    dump = tmp_path / "portal.dump"
    subprocess.run(["pg_dump", *common, "-Fc", "-f", str(dump), source], check=True, env=env)
    subprocess.run(["createdb", *common, target], check=True, env=env)
    try:
        subprocess.run(
            ["pg_restore", *common, "--no-owner", "--exit-on-error", "-d", target, str(dump)],
            check=True,
            env=env,
        )
        restored = psycopg2.connect(**_dsn(target))
        try:
            with restored.cursor() as cursor:
                cursor.execute("SELECT name FROM portal_agency WHERE ori = 'DR0000001'")
                assert cursor.fetchone() == ("Drill Agency",)
                cursor.execute("SELECT count(*) FROM portal_auditevent")
                assert cursor.fetchone()[0] == AuditEvent.objects.count()
                # The restored audit trail is still append-only.
                with pytest.raises(psycopg2.Error):
                    cursor.execute("DELETE FROM portal_auditevent")
        finally:
            restored.close()
        assert Agency.objects.filter(ori="DR0000001").exists()
    finally:
        subprocess.run(["dropdb", *common, "--if-exists", target], check=True, env=env)
