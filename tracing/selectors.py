"""Reads that span relations: trace lists, dealer profiles, purchaser views."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth

from portal.models import Agency, SourceFile
from tracing.indicators import THREE_YEARS_DAYS, ShortTTCShare
from tracing.models import Dealer, PersonMention, Trace


def trace_list(user: Any) -> QuerySet[Trace]:
    return Trace.objects.visible_to(user).select_related("firearm", "purchase__dealer", "agency")


def short_ttc_share(user: Any, dealer: Dealer) -> ShortTTCShare:
    traces = Trace.objects.visible_to(user).filter(time_to_crime_days__isnull=False)
    short = Q(time_to_crime_days__lt=THREE_YEARS_DAYS)
    agency = traces.aggregate(total=Count("id"), short=Count("id", filter=short))
    own = traces.filter(purchase__dealer=dealer).aggregate(
        total=Count("id"), short=Count("id", filter=short)
    )
    return ShortTTCShare(own["total"], own["short"], agency["total"], agency["short"])


def dealer_profile(user: Any, dealer: Dealer) -> dict[str, Any]:
    traces = Trace.objects.visible_to(user).filter(purchase__dealer=dealer)
    by_month = list(
        traces.exclude(recovery_date__isnull=True)
        .annotate(month=TruncMonth("recovery_date"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    ttc = list(
        traces.exclude(time_to_crime_days__isnull=True).values_list("time_to_crime_days", flat=True)
    )
    places = list(
        traces.exclude(recovery_lat__isnull=True).values_list(
            "recovery_lat", "recovery_lon", "trace_number"
        )[:2000]
    )
    counts = traces.aggregate(
        total=Count("id"),
        multiple_sale=Count("id", filter=Q(multiple_sale=True)),
        repeat_purchaser=Count("id", filter=Q(repeat_purchaser=True)),
        not_possessor=Count("id", filter=Q(purchaser_not_possessor=True)),
        out_of_state=Count("id", filter=Q(out_of_state_source=True)),
        obliterated=Count("id", filter=Q(firearm__obliterated=True)),
        under_1_year=Count("id", filter=Q(time_to_crime_days__lt=365)),
    )
    return {
        "traces": traces.select_related("firearm").order_by("-recovery_date")[:100],
        "by_month": [(row["month"], row["n"]) for row in by_month],
        "ttc_days": ttc,
        "places": places,
        "counts": counts,
        "share": short_ttc_share(user, dealer),
    }


# The dealer ranking beside the trace list reads every visible trace (a second at the
# state scale): it is kept in the cache, keyed by what would change it.
SOURCE_DEALERS_SECONDS = 300
TRACES_VERSION_KEY = "tracing:traces-version"


def traces_changed() -> None:
    """Mark every cached trace summary stale (the e-Trace import calls it after commit)."""
    try:
        cache.incr(TRACES_VERSION_KEY)
    except ValueError:
        cache.set(TRACES_VERSION_KEY, 1, None)


def source_dealers(user: Any, limit: int = 25) -> list[dict[str, Any]]:
    """Dealers with the most visible traces, with their short-TTC counts.

    Cached per set of visible agencies (with their creation times, so that a
    recreated database never meets an old entry), the newest source file of
    those agencies and the import version: a new import, a new file or a
    changed sharing agreement each give a new key.
    """
    newest_file = SourceFile.objects.filter(agency=OuterRef("pk")).order_by("-pk").values("pk")
    agencies = list(
        Agency.objects.visible_to(user)
        .annotate(newest_file=Subquery(newest_file[:1]))
        .order_by("pk")
        .values_list("pk", "created_at", "newest_file")
    )
    version = cache.get(TRACES_VERSION_KEY, 0)
    key = (
        "tracing:source-dealers:"
        + hashlib.sha256(repr((limit, version, agencies)).encode()).hexdigest()
    )
    rows: list[dict[str, Any]] | None = cache.get(key)
    if rows is None:
        rows = list(
            Trace.objects.visible_to(user)
            .filter(purchase__dealer__isnull=False)
            .values("purchase__dealer")
            .annotate(
                n=Count("id"),
                short=Count("id", filter=Q(time_to_crime_days__lt=THREE_YEARS_DAYS)),
            )
            .order_by("-n")[:limit]
        )
        cache.set(key, rows, SOURCE_DEALERS_SECONDS)
    dealers = Dealer.objects.in_bulk([row["purchase__dealer"] for row in rows])
    return [
        {"dealer": dealers[row["purchase__dealer"]], "traces": row["n"], "short": row["short"]}
        for row in rows
        if row["purchase__dealer"] in dealers
    ]


def purchaser_traces(user: Any, mention: PersonMention) -> QuerySet[Trace]:
    """Every visible trace whose purchaser was written with the same name and date of birth."""
    return (
        Trace.objects.visible_to(user)
        .filter(mentions__role="purchaser", mentions__person_key=mention.person_key)
        .select_related("firearm", "purchase__dealer")
        .order_by("purchase__purchase_date", "pk")
        .distinct()
    )
