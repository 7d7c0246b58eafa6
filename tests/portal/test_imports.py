"""The shared import plumbing: upload page, stored source file, the job and its report."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.choices import JobStatus
from portal.imports import Importer, import_dir, register_importer
from portal.jobs import JobFailed, Progress
from portal.models import Job, SourceFile
from portal.tabular import read_table

pytestmark = pytest.mark.django_db


def _count_rows(job: Job, progress: Progress) -> dict[str, object]:
    from portal.imports import job_source_file

    source_file, path, options = job_source_file(job)
    rows = list(read_table(path))
    if any(row.cells["value"] == "bad" for row in rows) and not options.get("skip_invalid"):
        raise JobFailed(
            "1 bad row; nothing was written.",
            {
                "errors": [
                    {
                        "file": source_file.original_name,
                        "row": 3,
                        "column": "value",
                        "value": "bad",
                        "reason": "is bad",
                    }
                ]
            },
        )
    progress(len(rows), len(rows))
    return {"rows_read": len(rows)}


register_importer(
    Importer(kind="test-rows", label="Test rows", roles=("analyst",), handler=_count_rows)
)


def test_upload_stores_the_file_and_runs_the_import(
    analyst_client, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("traces.csv", b"value\n1\n2\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post("/imports/test-rows/", {"file": upload})
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.status == JobStatus.SUCCEEDED and job.result == {"rows_read": 2}
    stored = SourceFile.objects.get()
    assert stored.original_name == "traces.csv" and len(stored.sha256) == 64
    assert stored.stored_name != "traces.csv"
    assert (import_dir() / stored.stored_name).read_bytes() == b"value\n1\n2\n"


def test_refused_import_shows_every_bad_row(analyst_client, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("bad.csv", b"value\n1\nbad\n")
    with django_capture_on_commit_callbacks(execute=True):
        analyst_client.post("/imports/test-rows/", {"file": upload})
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    page = analyst_client.get(job.get_absolute_url()).content.decode()
    assert "1 bad row; nothing was written." in page
    assert "is bad" in page and "bad.csv" in page


def test_disallowed_file_types_and_roles_are_refused(analyst_client, owner_client):
    upload = SimpleUploadedFile("evil.exe", b"MZ")
    response = analyst_client.post("/imports/test-rows/", {"file": upload})
    assert b"are not accepted" in response.content
    assert not SourceFile.objects.exists()
    # A detective has no access to this importer.
    assert owner_client.get("/imports/test-rows/").status_code == 403
    assert analyst_client.get("/imports/no-such-kind/").status_code == 404
