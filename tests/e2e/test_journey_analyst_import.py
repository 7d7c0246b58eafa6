"""An analyst imports an e-Trace file and triages the trafficking lead the worker raises.

The journey of the issue begins here: the upload page, the progress bar of the
job run by a real Celery worker, the import report, then the lead queue where
the rules (run by the worker once the import commits) put a new trafficking lead.
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import sign_in, snap, visit
from tests.factories import UserFactory
from tests.tracing.helpers import row, write_etrace

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# One purchaser bought two guns, each recovered a few months after the sale
# from someone else: both trafficking indicators at once.
STRAW_ROWS = [
    row(
        "T24-0000101",
        serial_number="SN-E2E-101",
        purchaser_last="KESTREL",
        purchaser_first="MARLO",
        purchaser_dob="1988-02-03",
        purchase_date="2024-03-01",
        recovery_date="2024-05-15",
    ),
    row(
        "T24-0000102",
        serial_number="SN-E2E-102",
        model="17",
        purchaser_last="KESTREL",
        purchaser_first="MARLO",
        purchaser_dob="1988-02-03",
        purchase_date="2024-03-01",
        recovery_date="2024-06-20",
        possessor_last="QUILLON",
        possessor_first="ANDER",
        possessor_dob="1999-09-09",
    ),
]


def test_analyst_imports_an_etrace_file_and_finds_the_trafficking_lead(
    page, agency_a, password, tmp_path, celery_worker
):
    UserFactory(username="analyst1", agency=agency_a, role="analyst")
    upload = write_etrace(tmp_path / "etrace-e2e.csv", STRAW_ROWS)

    sign_in(page, "analyst1", password)
    visit(page, "/imports/")
    page.get_by_role("link", name="e-Trace traces").click()
    page.wait_for_load_state("networkidle")
    snap(page, "etrace-upload")
    assert "/imports/etrace/" in page.url

    page.get_by_label("File to import").set_input_files(str(upload))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "/jobs/" in page.url

    # static/js/portal.js polls the job's status into the progress bar and
    # reloads the page when the worker has finished, with the import report.
    page.locator(".job-progress progress").wait_for()
    snap(page, "import-progress")
    page.wait_for_selector(".job-progress[data-finished=true]", timeout=60000)
    page.wait_for_selector("#result-title", timeout=20000)
    page.wait_for_load_state("networkidle")
    snap(page, "import-report")
    assert page.locator(".job-progress progress").evaluate("bar => bar.value") == 100
    assert page.locator(".job-status").inner_text() == "Finished"
    report = page.locator("#result-title + dl.facts")
    facts = dict(
        zip(
            [t.strip().lower() for t in report.locator("dt").all_inner_texts()],
            [d.strip() for d in report.locator("dd").all_inner_texts()],
            strict=True,
        )
    )
    assert facts["created"] == "2", facts

    # The worker runs the lead rules after the import commits: poll the queue.
    deadline = time.monotonic() + 60
    visit(page, "/leads/?kind=trafficking")
    while "KESTREL" not in page.content().upper() and time.monotonic() < deadline:
        time.sleep(1)
        page.reload()
        page.wait_for_load_state("networkidle")
    snap(page, "lead-queue")
    lead_row = page.locator("tr", has_text="Possible straw purchaser")
    assert "KESTREL" in lead_row.inner_text().upper()
    lead_row.get_by_role("link").first.click()
    page.wait_for_load_state("networkidle")
    snap(page, "trafficking-lead")
    assert "Straw purchase / trafficking" in page.content()
    assert "T24-0000102" in page.content()

    with page.expect_download() as data:
        page.get_by_role("link", name="CSV", exact=True).click()
    assert data.value.suggested_filename.endswith(".csv")
    text = Path(data.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and all(r["exported_by"] == "analyst1" for r in rows)
    assert "T24-0000101" in text and "T24-0000102" in text
