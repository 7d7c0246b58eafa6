"""Reads for the lab pages and the API: always through visible_to(user)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from ballistics.models import Candidate, Evidence, Scan
from portal.models import Job, visible_agency_filter

CORRELATE_JOB = "ballistics_correlate"


def evidence_list(user: Any) -> QuerySet[Evidence]:
    """Evidence the user may see, with what the list shows, in a fixed number of queries."""
    return (
        Evidence.objects.visible_to(user)
        .select_related("agency", "incident")
        .annotate(scan_count=Count("scans", distinct=True))
        .order_by("-created_at", "-pk")
    )


def evidence_scans(user: Any, evidence: Evidence) -> QuerySet[Scan]:
    return (
        Scan.objects.visible_to(user)
        .filter(evidence=evidence)
        .defer("prepared", "signature")
        .annotate(candidate_count=Count("candidates"))
        .order_by("pk")
    )


def scan_candidates(user: Any, scan: Scan) -> QuerySet[Candidate]:
    """The ranked candidates of a scan, each with its evidence and incident."""
    # The candidate scan too must still be visible (a sharing agreement may have ended).
    candidate_visible = visible_agency_filter(user, "candidate__agency_id")
    if candidate_visible is None:
        return Candidate.objects.none()
    return (
        Candidate.objects.visible_to(user)
        .filter(candidate_visible, query=scan)
        .select_related("candidate__evidence__incident", "candidate__agency", "examiner", "agency")
        .defer("candidate__prepared", "candidate__signature")
        .order_by("rank")
    )


def scan_latest_job(user: Any, scan: Scan) -> Job | None:
    """The most recent correlation job of a scan (its progress bar)."""
    return (
        Job.objects.visible_to(user)
        .filter(kind=CORRELATE_JOB, params__scan_id=scan.pk)
        .order_by("-created_at", "-pk")
        .first()
    )


def candidate_for(user: Any, pk: int) -> Candidate | None:
    """One candidate whose query and candidate scans the user may both see."""
    candidate_visible = visible_agency_filter(user, "candidate__agency_id")
    if candidate_visible is None:
        return None
    return (
        Candidate.objects.visible_to(user)
        .filter(candidate_visible, pk=pk)
        .select_related(
            "query__evidence__incident",
            "candidate__evidence__incident",
            "candidate__agency",
            "examiner",
        )
        .first()
    )
