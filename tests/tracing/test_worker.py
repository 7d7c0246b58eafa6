"""The upload page runs the e-Trace import in a real Celery worker."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from portal.models import Job
from tests.conftest import login
from tests.factories import UserFactory
from tracing.models import Trace

from .helpers import row, write_etrace


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_upload_is_imported_by_a_worker(agency_a, tmp_path, celery_worker):
    client = login(Client(), UserFactory(agency=agency_a, role="analyst"))
    content = write_etrace(
        tmp_path / "t.csv", [row("W1"), row("W2", serial_number="Z")]
    ).read_bytes()
    client.post("/imports/etrace/", {"file": SimpleUploadedFile("traces.csv", content)})
    job = Job.objects.get(kind="etrace")
    deadline = time.monotonic() + 30
    while not job.is_finished and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()
    assert job.status == "succeeded", (job.message, job.result)
    assert job.result["created"] == 2
    status = client.get(f"/jobs/{job.pk}/status.json").json()
    assert status["percent"] == 100 and status["finished"]
    assert set(Trace.objects.values_list("trace_number", flat=True)) == {"W1", "W2"}
