"""Lab pages: evidence list and register form, evidence page, uploads, candidates, decisions."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ballistics import renders, selectors, services
from ballistics.filtersets import EvidenceFilterSet
from ballistics.forms import (
    CustodyForm,
    DecisionForm,
    EvidenceForm,
    PhotographForm,
    ScanUploadForm,
)
from ballistics.models import Candidate, Evidence, Photograph, Scan
from ballistics.x3p import X3PError
from portal.audit import audit_search, audit_view
from portal.jobs import job_progress
from portal.permissions import ENTER_EVIDENCE, role_required, user_can
from portal.uploads import ImageRejected, original_download

PAGE_SIZE = 50


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def evidence_list(request: HttpRequest) -> HttpResponse:
    base = selectors.evidence_list(request.user)
    filterset = EvidenceFilterSet(request.GET or None, queryset=base)
    evidence = filterset.qs if filterset.is_valid() else base
    page = Paginator(evidence, PAGE_SIZE).get_page(request.GET.get("page"))
    if request.GET:
        audit_search(
            request, scope="evidence", query=request.GET.urlencode(), results=page.paginator.count
        )
    return render(
        request,
        "ballistics/evidence_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": _query_without_page(request),
            "can_enter": user_can(request.user, ENTER_EVIDENCE),
        },
    )


@login_required
@role_required(ENTER_EVIDENCE)
def evidence_new(request: HttpRequest) -> HttpResponse:
    form = EvidenceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        evidence = services.evidence_create(
            user=request.user,  # type: ignore[arg-type]
            request=request,
            **form.cleaned_data,
        )
        messages.success(request, f"Exhibit {evidence.exhibit_number} registered.")
        return redirect(evidence)
    return render(request, "ballistics/evidence_new.html", {"form": form})


def _visible_evidence(request: HttpRequest, pk: int) -> Evidence:
    return get_object_or_404(
        Evidence.objects.visible_to(request.user).select_related("agency", "incident"), pk=pk
    )


@login_required
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _visible_evidence(request, pk)
    audit_view(request, evidence)
    can_enter = user_can(request.user, ENTER_EVIDENCE) and (
        evidence.agency_id == getattr(request.user, "agency_id", None)
    )
    return render(
        request,
        "ballistics/evidence_detail.html",
        {
            "evidence": evidence,
            "scans": selectors.evidence_scans(request.user, evidence),
            "photographs": Photograph.objects.visible_to(request.user).filter(evidence=evidence),
            "can_enter": can_enter,
            "custody_form": CustodyForm(),
            "photograph_form": PhotographForm(),
            "scan_form": ScanUploadForm(),
        },
    )


def _own_evidence(request: HttpRequest, pk: int) -> Evidence:
    """Evidence the lab user may add to: their own agency's (a sharer's is read-only)."""
    evidence = _visible_evidence(request, pk)
    if evidence.agency_id != getattr(request.user, "agency_id", None):
        raise Http404
    return evidence


@login_required
@role_required(ENTER_EVIDENCE)
@require_POST
def evidence_custody(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _own_evidence(request, pk)
    form = CustodyForm(request.POST)
    if form.is_valid():
        services.evidence_custody_append(
            evidence=evidence,
            user=request.user,  # type: ignore[arg-type]
            action=form.cleaned_data["action"],
            at=form.cleaned_data.get("at"),
            request=request,
        )
        messages.success(request, "Custody entry added.")
    else:
        messages.error(request, _errors(form))
    return redirect(evidence)


@login_required
@role_required(ENTER_EVIDENCE)
@require_POST
def evidence_photograph(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _own_evidence(request, pk)
    form = PhotographForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect(evidence)
    upload = form.cleaned_data["photograph"]
    try:
        services.photograph_add(
            evidence=evidence,
            user=request.user,  # type: ignore[arg-type]
            chunks=upload.chunks(),
            original_name=upload.name or "photograph",
            caption=form.cleaned_data.get("caption") or "",
            request=request,
        )
    except ImageRejected as error:
        messages.error(request, f"The photograph was refused: {error}")
    else:
        messages.success(request, "Photograph added.")
    return redirect(evidence)


@login_required
@role_required(ENTER_EVIDENCE)
@require_POST
def evidence_scan(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload an X3P scan; its correlation starts at once on a worker."""
    evidence = _own_evidence(request, pk)
    form = ScanUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect(evidence)
    upload = form.cleaned_data["scan"]
    try:
        scan, created = services.scan_upload(
            evidence=evidence,
            user=request.user,  # type: ignore[arg-type]
            upload=upload,
            request=request,
        )
    except X3PError as error:
        messages.error(request, f"The scan was refused: {error}")
        return redirect(evidence)
    if created:
        messages.success(request, f"Scan {scan.original_name} stored; correlation started.")
    else:
        messages.info(request, f"This file was already stored as scan {scan.original_name}.")
    return redirect(scan)


def _errors(form: Any) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@login_required
def scan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A scan and its ranked candidates, with the correlation job's progress."""
    scan = get_object_or_404(
        Scan.objects.visible_to(request.user)
        .select_related("evidence__incident", "agency")
        .defer("prepared", "signature"),
        pk=pk,
    )
    audit_view(request, scan)
    job = selectors.scan_latest_job(request.user, scan)
    current, total = job_progress(job) if job else (0, 0)
    return render(
        request,
        "ballistics/scan_detail.html",
        {
            "scan": scan,
            "candidates": selectors.scan_candidates(request.user, scan),
            "job": job,
            "current": current,
            "total": total,
        },
    )


@login_required
def scan_download(request: HttpRequest, pk: int) -> FileResponse:
    scan = get_object_or_404(Scan.objects.visible_to(request.user).defer("prepared"), pk=pk)
    audit_view(request, scan)
    return original_download(services.scan_original_path(scan), download_name=scan.original_name)


@login_required
def scan_surface(request: HttpRequest, pk: int) -> HttpResponse:
    scan = get_object_or_404(Scan.objects.visible_to(request.user), pk=pk)
    return _png(renders.scan_surface(scan))


def _visible_candidate(request: HttpRequest, pk: int) -> Candidate:
    candidate = selectors.candidate_for(request.user, pk)
    if candidate is None:
        raise Http404
    return candidate


@login_required
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _visible_candidate(request, pk)
    audit_view(request, candidate)
    can_decide = user_can(request.user, ENTER_EVIDENCE) and (
        candidate.agency_id == getattr(request.user, "agency_id", None)
    )
    form = DecisionForm(
        initial={"decision": candidate.decision, "examined_on": candidate.examined_on}
    )
    congruent = sum(1 for cell in candidate.cells if cell.get("congruent"))
    return render(
        request,
        "ballistics/candidate_detail.html",
        {
            "candidate": candidate,
            "form": form,
            "can_decide": can_decide,
            "congruent": congruent,
            "cell_count": len(candidate.cells),
        },
    )


@login_required
def candidate_image(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    if which not in renders.CANDIDATE_IMAGES:
        raise Http404
    candidate = _visible_candidate(request, pk)
    return _png(renders.candidate_image(candidate, which))


@login_required
@role_required(ENTER_EVIDENCE)
@require_POST
def candidate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _visible_candidate(request, pk)
    if candidate.agency_id != getattr(request.user, "agency_id", None):
        raise Http404
    form = DecisionForm(request.POST)
    if form.is_valid():
        services.candidate_decide(
            candidate=candidate,
            decision=form.cleaned_data["decision"],
            user=request.user,  # type: ignore[arg-type]
            examined_on=form.cleaned_data.get("examined_on"),
            request=request,
        )
        messages.success(request, f"Decision recorded: {candidate.get_decision_display()}.")
        return redirect(candidate)
    messages.error(request, _errors(form))
    return redirect(candidate)


@login_required
def photograph_display(request: HttpRequest, pk: int) -> FileResponse:
    """The re-encoded copy (no metadata), safe to show inline."""
    photograph = get_object_or_404(Photograph.objects.visible_to(request.user), pk=pk)
    response = FileResponse(default_storage.open(photograph.display_path, "rb"))
    response["Content-Type"] = "image/png"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def photograph_download(request: HttpRequest, pk: int) -> FileResponse:
    photograph = get_object_or_404(Photograph.objects.visible_to(request.user), pk=pk)
    audit_view(request, photograph)
    name = PurePosixPath(photograph.original_name).name or "photograph"
    return original_download(photograph.original_path, download_name=name)


def _png(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response
