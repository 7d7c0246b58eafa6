"""SECURITY.md item 11: an import with a bad row writes nothing and says where and why."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from portal.choices import JobStatus, Role
from portal.imports import Importer, job_source_file, register_importer
from portal.jobs import JobFailed, Progress
from portal.models import Agency, Job
from portal.tabular import RowError, read_table
from tests.conftest import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _agencies(job: Job, progress: Progress) -> dict[str, object]:
    """Creates an agency per row as it goes; a bad ORI makes it refuse the whole file."""
    source_file, path, _ = job_source_file(job)
    created = unchanged = 0
    errors: list[dict[str, object]] = []
    rows = list(read_table(path))
    for row in rows:
        ori = str(row.cells.get("ori") or "")
        if len(ori) != 9:
            error = RowError(
                file=source_file.original_name,
                row=row.number,
                column="ori",
                value=ori,
                reason="not 9 characters",
            )
            errors.append(error.as_dict())
            continue
        _, was_created = Agency.objects.get_or_create(
            ori=ori, defaults={"name": str(row.cells.get("name") or ori), "state": ori[:2]}
        )
        created += was_created
        unchanged += not was_created
    if errors:
        raise JobFailed(f"{len(errors)} bad row(s); nothing was written.", {"errors": errors})
    progress(len(rows), len(rows))
    return {"rows_read": len(rows), "created": created, "unchanged": unchanged}


register_importer(
    Importer(
        kind="test-item-11-agencies", label="Agencies", roles=(Role.ANALYST,), handler=_agencies
    )
)


def _upload(client, name: str, content: bytes, capture) -> Job:
    with capture(execute=True):
        client.post("/imports/test-item-11-agencies/", {"file": SimpleUploadedFile(name, content)})
    return Job.objects.latest("id")


def test_item_11_a_bad_row_writes_nothing_and_is_reported_the_same_file_twice_changes_nothing(
    agency_a, django_capture_on_commit_callbacks
):
    client = login(Client(), UserFactory(agency=agency_a, role=Role.ANALYST))
    before = Agency.objects.count()
    bad = b"ori,name\nXX0000001,One\nXX0000002,Two\nshort,Three\n"
    job = _upload(client, "agencies.csv", bad, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.FAILED
    assert Agency.objects.count() == before  # the two good rows before it were rolled back
    error = job.result["errors"][0]
    assert (error["file"], error["row"], error["column"], error["reason"]) == (
        "agencies.csv",
        4,
        "ori",
        "not 9 characters",
    )
    page = client.get(job.get_absolute_url()).content.decode()
    assert "agencies.csv" in page and "not 9 characters" in page

    good = b"ori,name\nXX0000001,One\nXX0000002,Two\n"
    first = _upload(client, "agencies.csv", good, django_capture_on_commit_callbacks)
    assert first.status == JobStatus.SUCCEEDED and first.result["created"] == 2
    after_first = Agency.objects.count()
    again = _upload(client, "agencies.csv", good, django_capture_on_commit_callbacks)
    assert again.result == {"rows_read": 2, "created": 0, "unchanged": 2}
    assert Agency.objects.count() == after_first
