"""Case pages (list, new, dashboard), "Add to case", and the global search page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from portal.audit import audit_search, audit_view
from portal.cases import charts, selectors
from portal.cases.forms import AddToCaseForm, CaseForm
from portal.cases.models import Case
from portal.cases.records import visible_records
from portal.cases.search import search
from portal.cases.services import case_create, case_item_add


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    cases = selectors.case_list(request.user)
    if request.GET.get("mine"):
        cases = cases.filter(lead_detective=request.user)  # type: ignore[misc]
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    return render(request, "cases/case_list.html", {"page": page})


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if getattr(user, "agency_id", None) is None:
        raise PermissionDenied
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = case_create(
                agency=user.agency,  # type: ignore[union-attr,arg-type]
                lead_detective=user,  # type: ignore[arg-type]
                request=request,
                **form.cleaned_data,
            )
        except IntegrityError:
            form.add_error("number", "Your agency already has a case with this number.")
        else:
            return redirect(case.get_absolute_url())
    return render(request, "cases/case_new.html", {"form": form})


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(selectors.case_list(request.user), pk=pk)
    audit_view(request, case)
    dashboard = selectors.case_dashboard(request.user, case)
    network_json = None
    if dashboard.network is not None and len(dashboard.network):
        network_json = charts.network_figure(
            dashboard.network, labels=dashboard.network_labels, kinds=dashboard.network_kinds
        )
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "d": dashboard,
            "map_json": charts.case_map(dashboard.points) if dashboard.points else None,
            "timeline_json": charts.timeline_figure(dashboard.events) if dashboard.events else None,
            "network_json": network_json,
        },
    )


@login_required
@require_POST
def case_add_item(request: HttpRequest) -> HttpResponse:
    """Add the posted record to the posted case: both must be visible to the user, and the
    case must belong to the user's own agency (a partner's case is read-only)."""
    form = AddToCaseForm(request.POST, user=request.user)
    if not form.is_valid():
        raise Http404("No such case or record")
    case: Case = form.cleaned_data["case"]
    if case.agency_id != getattr(request.user, "agency_id", None):
        raise Http404("No such case")
    model = form.cleaned_data["content_type"].model_class()
    if model is None:
        raise Http404("No such record")
    record = get_object_or_404(
        visible_records(request.user, model), pk=form.cleaned_data["object_id"]
    )
    _, created = case_item_add(
        case=case,
        record=record,
        user=request.user,  # type: ignore[arg-type]
        note=form.cleaned_data["note"],
        request=request,
    )
    messages.success(
        request,
        f"Added to case {case.number}." if created else f"Already in case {case.number}.",
    )
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(case.get_absolute_url())


@login_required
def search_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    results = search(request.user, query) if query else None
    if query:
        audit_search(request, scope="global", query=query, results=results.count if results else 0)
    return render(request, "cases/search.html", {"query": query, "results": results})
