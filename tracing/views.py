"""Trace pages: list with filters and CSV export, trace, firearm, dealer and purchaser."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render

from portal.audit import audit_export, audit_search, audit_view
from portal.cases.charts import timeline_figure
from portal.cases.timeline import firearm_story, person_story
from portal.exports import csv_response
from portal.pagination import CappedPaginator
from tracing import charts, selectors
from tracing.filtersets import TraceFilterSet
from tracing.indicators import EXPLANATIONS, indicator, indicators_of_trace
from tracing.models import Dealer, Firearm, PersonMention, Trace

EXPORT_HEADER = [
    "trace_number",
    "agency_ori",
    "status",
    "recovery_date",
    "recovery_city",
    "recovery_state",
    "agency_case_number",
    "serial_number",
    "manufacturer",
    "model",
    "caliber",
    "firearm_type",
    "purchase_date",
    "ffl_number",
    "dealer",
    "dealer_state",
    "time_to_crime_days",
    "purchaser_not_possessor",
    "multiple_sale",
    "repeat_purchaser",
    "obliterated",
    "out_of_state_source",
]


@login_required
def trace_list(request: HttpRequest) -> HttpResponse:
    filterset = TraceFilterSet(request.GET or None, queryset=selectors.trace_list(request.user))
    traces = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = CappedPaginator(traces.order_by("-recovery_date", "-pk"), 50).get_page(
        request.GET.get("page")
    )
    if filterset.is_bound:
        audit_search(
            request,
            scope="tracing.trace",
            query=request.GET.urlencode(),
            results=page.paginator.count,
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tracing/trace_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "dealers": selectors.source_dealers(request.user, limit=10),
            "legend": [indicator(key) for key in EXPLANATIONS],
        },
    )


@login_required
def trace_export(request: HttpRequest) -> StreamingHttpResponse:
    filterset = TraceFilterSet(request.GET or None, queryset=selectors.trace_list(request.user))
    traces = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    traces = traces.order_by("-recovery_date", "-pk")
    audit_export(
        request,
        scope="tracing.trace",
        fmt="csv",
        rows=traces.count(),
        query=request.GET.urlencode(),
    )

    def rows() -> Iterator[list[object]]:
        for trace in traces.iterator(chunk_size=2000):
            purchase = getattr(trace, "purchase", None)
            dealer = purchase.dealer if purchase else None
            yield [
                trace.trace_number,
                trace.agency.ori,
                trace.get_status_display(),
                trace.recovery_date,
                trace.recovery_city,
                trace.recovery_state,
                trace.agency_case_number,
                trace.serial_as_written,
                trace.firearm.manufacturer,
                trace.firearm.model,
                trace.firearm.caliber,
                trace.firearm.firearm_type,
                purchase.purchase_date if purchase else "",
                dealer.ffl_number if dealer else "",
                dealer.display_name if dealer else "",
                dealer.premise_state if dealer else "",
                trace.time_to_crime_days,
                trace.purchaser_not_possessor,
                trace.multiple_sale,
                trace.repeat_purchaser,
                trace.firearm.obliterated,
                trace.out_of_state_source,
            ]

    return csv_response("traces.csv", EXPORT_HEADER, rows())


@login_required
def trace_detail(request: HttpRequest, pk: int) -> HttpResponse:
    trace = get_object_or_404(
        Trace.objects.visible_to(request.user).select_related("firearm", "agency"), pk=pk
    )
    audit_view(request, trace)
    mentions = {mention.role: mention for mention in trace.mentions.all()}
    purchase = getattr(trace, "purchase", None)
    return render(
        request,
        "tracing/trace_detail.html",
        {
            "trace": trace,
            "purchase": purchase,
            "purchaser": mentions.get("purchaser"),
            "possessor": mentions.get("possessor"),
            "indicators": indicators_of_trace(trace),
            "changes": trace.changes.select_related("source_file"),
        },
    )


@login_required
def firearm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    firearm = get_object_or_404(Firearm.objects.visible_to(request.user), pk=pk)
    audit_view(request, firearm)
    traces = (
        Trace.objects.visible_to(request.user)
        .filter(firearm=firearm)
        .select_related("purchase__dealer")
        .order_by("recovery_date")
    )
    story = firearm_story(request.user, firearm)
    return render(
        request,
        "tracing/firearm_detail.html",
        {
            "firearm": firearm,
            "traces": traces,
            "story": story,
            "timeline_json": timeline_figure(story.events) if story.events else None,
        },
    )


@login_required
def dealer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dealer = get_object_or_404(Dealer, pk=pk)
    visible = Trace.objects.visible_to(request.user).filter(purchase__dealer=dealer)
    # A dealer known only from other agencies' traces is not shown: that would reveal them.
    if not dealer.in_ffl_list and not visible.exists():
        raise Http404("No such dealer")
    audit_view(request, dealer)
    profile = selectors.dealer_profile(request.user, dealer)
    return render(
        request,
        "tracing/dealer_detail.html",
        {
            "dealer": dealer,
            **profile,
            "ttc_bands": charts.ttc_histogram(profile["ttc_days"]),
            "month_chart": charts.traces_per_month_figure(profile["by_month"]),
            "ttc_chart": charts.ttc_figure(profile["ttc_days"]),
            "places_chart": charts.recovery_places_figure(profile["places"]),
        },
    )


@login_required
def purchaser_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mention = get_object_or_404(PersonMention.objects.visible_to(request.user), pk=pk)
    audit_view(request, mention)
    traces = selectors.purchaser_traces(request.user, mention)
    # Other spellings are not merged here (that is person resolution); same last name and
    # date of birth are listed as possible matches for the analyst to look at.
    similar = (
        PersonMention.objects.visible_to(request.user)
        .filter(role="purchaser")
        .filter(
            Q(last_name_key=mention.last_name_key, dob=mention.dob) if mention.dob else Q(pk=None)
        )
        .exclude(person_key=mention.person_key)
        .select_related("trace")[:50]
    )
    story = person_story(request.user, mention)
    return render(
        request,
        "tracing/purchaser_detail.html",
        {
            "mention": mention,
            "traces": traces,
            "similar": similar,
            "story": story,
            "timeline_json": timeline_figure(story.events) if story.events else None,
        },
    )
