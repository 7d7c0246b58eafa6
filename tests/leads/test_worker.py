"""A real Celery worker raises leads after an upload, and a redelivered task adds nothing."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from leads.models import Lead, LeadKind, LeadRecord
from leads.tasks import LEADS_QUEUE, rules_run
from tests.conftest import login
from tests.factories import UserFactory
from tests.tracing.helpers import row, write_etrace

STRAW = {
    "purchaser_last": "ROE",
    "purchaser_first": "RAY",
    "purchaser_dob": "1991-02-03",
    "possessor_last": "POE",
}


def _wait(check: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_upload_raises_its_lead_on_the_worker_once(
    agency_a: Any, tmp_path: Path, celery_worker: Any
) -> None:
    client = login(Client(), UserFactory(agency=agency_a, role="analyst"))
    content = write_etrace(
        tmp_path / "t.csv",
        [row("W1", serial_number="A1", **STRAW), row("W2", serial_number="A2", **STRAW)],
    ).read_bytes()
    client.post("/imports/etrace/", {"file": SimpleUploadedFile("traces.csv", content)})
    _wait(lambda: Lead.objects.filter(kind=LeadKind.TRAFFICKING).exists())
    lead = Lead.objects.get(kind=LeadKind.TRAFFICKING)
    records = LeadRecord.objects.filter(lead=lead).count()
    assert records >= 3  # the purchaser and both traces

    # The same task delivered twice more: exactly one lead, the same records.
    results = [rules_run.apply_async(args=[agency_a.pk, None], queue=LEADS_QUEUE) for _ in range(2)]
    for result in results:
        assert result.get(timeout=30)["raised"] == 0
    assert Lead.objects.count() == 1
    assert LeadRecord.objects.filter(lead=lead).count() == records
