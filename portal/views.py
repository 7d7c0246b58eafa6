"""Platform pages: dashboard, agencies, jobs, health, error pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.audit import audit_view
from portal.cases.selectors import home_panels
from portal.imports import (
    ImportFileError,
    import_start,
    importer_for,
    importers_for_role,
    source_file_store,
)
from portal.jobs import job_progress
from portal.models import Agency, Job, SharingAgreement


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    agencies = Agency.objects.visible_to(request.user)
    jobs = Job.objects.visible_to(request.user).select_related("created_by")[:10]
    partners = SharingAgreement.objects.active().filter(owner_id=request.user.agency_id)  # type: ignore[union-attr]
    return render(
        request,
        "portal/dashboard.html",
        {
            "agencies": agencies,
            "jobs": jobs,
            "partners": partners.select_related("partner"),
            # The home page by role: a detective's cases, an analyst's queues, ...
            "home": home_panels(request.user),
        },
    )


@login_required
def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agency = get_object_or_404(Agency.objects.visible_to(request.user), pk=pk)
    audit_view(request, agency)
    return render(request, "portal/agency_detail.html", {"agency": agency})


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = Job.objects.visible_to(request.user).select_related("created_by", "agency")[:100]
    return render(request, "portal/job_list.html", {"jobs": jobs})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    current, total = job_progress(job)
    return render(
        request, "portal/job_detail.html", {"job": job, "current": current, "total": total}
    )


@login_required
@never_cache
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    current, total = job_progress(job)
    percent = job.percent if job.is_finished or not total else min(100, 100 * current // total)
    return JsonResponse(
        {
            "id": job.pk,
            "status": job.status,
            "status_label": job.get_status_display(),
            "current": current,
            "total": total,
            "percent": percent,
            "finished": job.is_finished,
            "message": job.message,
            "url": job.get_absolute_url(),
        }
    )


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker reachability, for load balancers and operators."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unreachable"
    checks["broker"] = _broker_status()
    try:
        cache.set("portal:healthz", "1", 5)
        checks["cache"] = "ok" if cache.get("portal:healthz") == "1" else "unreachable"
    except Exception:
        checks["cache"] = "unreachable"
    healthy = all(value in ("ok", "in-process") for value in checks.values())
    checks["status"] = "ok" if healthy else "degraded"
    return JsonResponse(checks, status=200 if healthy else 503)


def _broker_status() -> str:
    from portal.celery import app

    if app.conf.task_always_eager:
        return "in-process"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:
        return "unreachable"


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="File to import")


@login_required
def import_index(request: HttpRequest) -> HttpResponse:
    importers = importers_for_role(request.user.role)  # type: ignore[union-attr]
    recent = Job.objects.visible_to(request.user).filter(kind__in=[imp.kind for imp in importers])[
        :20
    ]
    return render(request, "portal/import_index.html", {"importers": importers, "jobs": recent})


@login_required
def import_upload(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        importer = importer_for(kind)
    except KeyError:
        raise Http404("No such import") from None
    user = request.user
    if user.role not in importer.roles or user.agency is None:  # type: ignore[union-attr]
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        options = {opt.name: request.POST.get(opt.name) == "on" for opt in importer.options}
        try:
            with transaction.atomic():
                source_file = source_file_store(
                    agency=user.agency,  # type: ignore[union-attr]
                    kind=kind,
                    name=upload.name,
                    chunks=upload.chunks(),
                    user=user,  # type: ignore[arg-type]
                )
                job = import_start(
                    agency=user.agency,  # type: ignore[union-attr]
                    kind=kind,
                    source_file=source_file,
                    user=user,  # type: ignore[arg-type]
                    options=options,
                )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect(job.get_absolute_url())
    return render(request, "portal/import_upload.html", {"importer": importer, "form": form})


def _error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    """A plain error page: never a stack trace, never the exception text."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": title}, status=status)
    return render(
        request, "error.html", {"status": status, "title": title, "message": message}, status=status
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400, "Bad request", "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403, "Not allowed", "Your role does not allow this page or action.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(
        request, 404, "Not found", "There is no such page, or it is not shared with your agency."
    )


def server_error(request: HttpRequest) -> HttpResponse:
    request_id = getattr(request, "request_id", "")
    return _error_page(
        request,
        500,
        "Something went wrong",
        f"The error was logged. Quote reference {request_id} to your administrator."
        if request_id
        else "The error was logged.",
    )
