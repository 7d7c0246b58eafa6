"""A new scan correlated by the correlation job; candidates; decisions; scoping by agency."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ballistics.choices import Decision
from ballistics.models import Candidate, Scan
from ballistics.services import candidate_decide, scan_correlate_start, scan_import
from portal.jobs import job_execute
from portal.models import Job
from tests.ballistics.data import fadul_dir
from tests.factories import SharingAgreementFactory


def _import(agency: Any, name: str) -> Scan:
    scan, _ = scan_import(
        agency=agency, name=name, data=(fadul_dir() / name).read_bytes(), caliber="9mm Luger"
    )
    return scan


@pytest.mark.django_db
def test_new_scan_ranks_the_same_slide_first_and_sees_shared_agencies_only(
    agency_a: Any, agency_b: Any, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.factories import AgencyFactory

    agency_c = AgencyFactory(name="Agency C", ori="CC0000001", state="CC")
    SharingAgreementFactory(owner=agency_b, partner=agency_a)  # B shares with A
    _import(agency_b, "Fadul_1-2.x3p")
    _import(agency_a, "Fadul_2-1.x3p")
    _import(agency_c, "Fadul_F.x3p")  # same slide, but C does not share with A
    other_class, _ = scan_import(
        agency=agency_a,
        name="Fadul_F.x3p",
        data=(fadul_dir() / "Fadul_F.x3p").read_bytes(),
        caliber=".40 S&W",
    )
    new = _import(agency_a, "Fadul_1-1.x3p")
    with django_capture_on_commit_callbacks(execute=False):
        job = scan_correlate_start(scan=new, user=owner)
    job_execute(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    candidates = list(Candidate.objects.filter(query=new))
    names = [c.candidate.original_name for c in candidates]
    assert names[0] == "Fadul_1-2.x3p"  # agency B's, shared with A: same slide first
    assert set(names) == {"Fadul_1-2.x3p", "Fadul_2-1.x3p"}  # not C's, not another class
    assert other_class.pk not in [c.candidate_id for c in candidates]
    assert candidates[0].score > candidates[1].score
    assert any(cell["congruent"] for cell in candidates[0].cells)
    # Agency B's users do not see A's candidate list.
    assert not Candidate.objects.visible_to(
        type(owner).objects.create(username="b-user", agency=agency_b)
    ).exists()

    # Running again keeps decisions and does not duplicate.
    confirmed = candidate_decide(
        candidate=candidates[0],
        decision=Decision.CONFIRMED,
        user=owner,
        examined_on=dt.date(2026, 11, 20),
    )
    job_execute(scan_correlate_start(scan=new, user=owner).pk)
    assert Candidate.objects.filter(query=new).count() == 2
    confirmed.refresh_from_db()
    assert confirmed.decision == Decision.CONFIRMED and confirmed.examiner == owner
    assert Job.objects.filter(kind="ballistics_correlate").count() == 2


@pytest.mark.django_db
def test_confirmed_match_needs_examination_date(agency_a: Any, owner: Any) -> None:
    a, b = _import(agency_a, "Fadul_1-1.x3p"), _import(agency_a, "Fadul_1-2.x3p")
    candidate = Candidate.objects.create(
        agency=agency_a, query=a, candidate=b, rank=1, coarse_score=0.5, score=12
    )
    with pytest.raises(ValueError, match="date"):
        candidate_decide(candidate=candidate, decision=Decision.CONFIRMED, user=owner)
    candidate_decide(candidate=candidate, decision=Decision.INCONCLUSIVE, user=owner)
    candidate.refresh_from_db()
    assert candidate.decision == Decision.INCONCLUSIVE and candidate.decided_at is not None
