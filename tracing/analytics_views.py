"""Source analytics and trafficking-index pages under /traces/analytics/."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render

from portal.audit import audit_export, audit_log, audit_search
from portal.choices import AuditEventType
from portal.exports import csv_response
from portal.permissions import EXPORT_PERSON_DATA, SET_INDEX_WEIGHTS, user_can
from tracing import analytics, analytics_charts
from tracing.charts import ttc_histogram
from tracing.models import TraffickingWeights
from tracing.trafficking import DEFAULT_WEIGHTS, WEIGHT_LABELS

KINDS = {"purchasers": "Purchasers", "dealers": "Dealers", "firearms": "Firearms"}
RANKING_LIMIT = 100


def _context(request: HttpRequest) -> tuple[analytics.Period, Any, str]:
    period = analytics.Period.from_query(request.GET)
    query = request.GET.copy()
    for name in ("page", "kind"):
        query.pop(name, None)
    return period, analytics.filtered_traces(request.user, period), query.urlencode()


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    period, traces, query = _context(request)
    states = analytics.source_states(traces)
    days = analytics.ttc_days(traces)
    comparison = analytics.ttc_comparison(traces)
    dealers = analytics.top_dealers(traces, limit=25)
    months = analytics.traces_per_month(traces)
    types = analytics.firearm_types(traces)
    calibers = analytics.calibers(traces)
    points = analytics.recovery_points(traces)
    flows = analytics.corridors(traces)
    total = traces.count()
    home_states = {state for _, state, _ in flows}
    outside = sum(n for source, recovered, n in flows if source != recovered)
    sourced = sum(n for _, _, n in flows)
    if request.GET:
        audit_search(
            request, scope="tracing.analytics", query=request.GET.urlencode(), results=total
        )
    return render(
        request,
        "tracing/analytics.html",
        {
            "period": period,
            "query": query,
            "total": total,
            "outside_pct": round(100 * outside / sourced) if sourced else None,
            "home_states": sorted(home_states),
            "states": states,
            "ttc_bands": ttc_histogram(days),
            "comparison": comparison,
            "national_source": analytics.NATIONAL_SOURCE,
            "dealers": dealers,
            "months": months,
            "types": types,
            "calibers": calibers,
            "points_count": len(points),
            "flows": flows,
            "charts": {
                "states": analytics_charts.source_states_figure(states),
                "ttc": analytics_charts.ttc_distribution_figure(days),
                "comparison": analytics_charts.comparison_figure(comparison),
                "dealers": analytics_charts.top_dealers_figure(dealers),
                "months": analytics_charts.traces_per_month_figure(months),
                "types": analytics_charts.types_calibers_figure(types, calibers),
                "hotspots": analytics_charts.hot_spots_figure(points),
                "corridors": analytics_charts.corridors_figure(flows),
            },
        },
    )


@login_required
def dealers(request: HttpRequest) -> HttpResponse:
    period, traces, query = _context(request)
    rows = analytics.top_dealers(traces, limit=200)
    if request.GET:
        audit_search(
            request, scope="tracing.top_dealers", query=request.GET.urlencode(), results=len(rows)
        )
    return render(
        request,
        "tracing/analytics_dealers.html",
        {
            "period": period,
            "query": query,
            "rows": rows,
            "chart": analytics_charts.top_dealers_figure(rows),
        },
    )


def _chart_rows(name: str, traces: Any) -> tuple[list[str], Iterable[Iterable[Any]]]:
    tables: dict[str, Callable[[], tuple[list[str], Iterable[Iterable[Any]]]]] = {
        "source-states": lambda: (["dealer_state", "traces"], analytics.source_states(traces)),
        "time-to-crime": lambda: (["band", "traces"], ttc_histogram(analytics.ttc_days(traces))),
        "ttc-national": lambda: (
            ["measure", "traces_with_ttc", "count", "share", "national_share", "national_source"],
            [
                [
                    r["measure"],
                    r["traces"],
                    r["count"],
                    round(r["share"], 4) if r["share"] is not None else "",
                    r["national"],
                    r["source"],
                ]
                for r in analytics.ttc_comparison(traces)
            ],
        ),
        "top-dealers": lambda: (
            [
                "rank",
                "ffl_number",
                "dealer",
                "dealer_state",
                "traces",
                "ttc_under_1_year",
                "ttc_under_3_years",
                "short_ttc_share",
                "times_average",
                "out_of_state",
            ],
            [
                [
                    r["rank"],
                    r["dealer"].ffl_number,
                    r["dealer"].display_name,
                    r["dealer"].premise_state,
                    r["traces"],
                    r["under_1"],
                    r["under_3"],
                    round(r["short_share"], 4) if r["short_share"] is not None else "",
                    round(r["ratio"], 2) if r["ratio"] is not None else "",
                    r["out_of_state"],
                ]
                for r in analytics.top_dealers(traces, limit=200)
            ],
        ),
        "traces-per-month": lambda: (
            ["month", "traces"],
            [(m.strftime("%Y-%m"), n) for m, n in analytics.traces_per_month(traces)],
        ),
        "types-calibers": lambda: (
            ["kind", "value", "traces"],
            [("firearm type", t, n) for t, n in analytics.firearm_types(traces)]
            + [("caliber", c, n) for c, n in analytics.calibers(traces, limit=1000)],
        ),
        "recovery-hot-spots": lambda: (
            ["trace_number", "latitude", "longitude"],
            [(number, lat, lon) for lat, lon, number in analytics.recovery_points(traces)],
        ),
        "corridors": lambda: (
            ["source_state", "recovery_state", "traces"],
            analytics.corridors(traces),
        ),
    }
    if name not in tables:
        raise Http404("No such chart.")
    return tables[name]()


@login_required
def chart_csv(request: HttpRequest, name: str) -> HttpResponseBase:
    _, traces, _ = _context(request)
    header, rows = _chart_rows(name, traces)
    rows = list(rows)
    audit_export(
        request,
        scope=f"tracing.analytics.{name}",
        fmt="csv",
        rows=len(rows),
        query=request.GET.urlencode(),
    )
    return csv_response(f"{name}.csv", header, rows)


@login_required
def trafficking(request: HttpRequest) -> HttpResponse:
    period, traces, query = _context(request)
    kind = request.GET.get("kind", "purchasers")
    if kind not in KINDS:
        kind = "purchasers"
    weights = analytics.agency_weights(request.user.agency_id)  # type: ignore[union-attr]
    ranked = analytics.ranking(traces, kind, weights)
    audit_search(
        request,
        scope=f"tracing.trafficking.{kind}",
        query=request.GET.urlencode(),
        results=len(ranked),
    )
    return render(
        request,
        "tracing/trafficking.html",
        {
            "period": period,
            "query": query,
            "kind": kind,
            "kinds": KINDS,
            "ranked": ranked[:RANKING_LIMIT],
            "count": len(ranked),
            "weights": [(WEIGHT_LABELS[k], v) for k, v in weights.items()],
            "can_set_weights": user_can(request.user, SET_INDEX_WEIGHTS),
        },
    )


@login_required
def trafficking_csv(request: HttpRequest) -> HttpResponseBase:
    _, traces, _ = _context(request)
    kind = request.GET.get("kind", "purchasers")
    if kind not in KINDS:
        raise Http404("No such ranking.")
    if kind == "purchasers" and not user_can(request.user, EXPORT_PERSON_DATA):
        raise PermissionDenied
    weights = analytics.agency_weights(request.user.agency_id)  # type: ignore[union-attr]
    ranked = analytics.ranking(traces, kind, weights)
    audit_export(
        request,
        scope=f"tracing.trafficking.{kind}",
        fmt="csv",
        rows=len(ranked),
        query=request.GET.urlencode(),
    )
    return csv_response(
        f"trafficking-{kind}.csv",
        ["rank", kind[:-1], "score", "traces", "contributions"],
        (
            [rank, s.label, s.score, " ".join(s.traces), s.explanation]
            for rank, s in enumerate(ranked, start=1)
        ),
    )


class WeightsForm(forms.Form):
    def __init__(self, *args: Any, initial_weights: dict[str, float], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in WEIGHT_LABELS.items():
            self.fields[key] = forms.FloatField(
                label=label,
                min_value=0,
                max_value=100,
                initial=initial_weights[key],
                help_text=f"default {DEFAULT_WEIGHTS[key]:g}",
            )


@login_required
def weights(request: HttpRequest) -> HttpResponse:
    agency = request.user.agency  # type: ignore[union-attr]
    if agency is None:
        raise PermissionDenied
    can_edit = user_can(request.user, SET_INDEX_WEIGHTS)
    current = analytics.agency_weights(agency.pk)
    form = WeightsForm(request.POST or None, initial_weights=current)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            record, _ = TraffickingWeights.objects.get_or_create(agency=agency)
            before = record.weights
            record.weights = {key: form.cleaned_data[key] for key in WEIGHT_LABELS}
            record.updated_by = request.user.get_username()
            record.save()
            audit_log(
                request=request,
                event_type=AuditEventType.UPDATE,
                obj=record,
                detail={"before": before, "after": record.weights},
            )
            messages.success(request, "The trafficking-index weights are saved.")
            return redirect("tracing:trafficking_weights")
    return render(
        request,
        "tracing/trafficking_weights.html",
        {"form": form, "can_edit": can_edit, "agency": agency},
    )
