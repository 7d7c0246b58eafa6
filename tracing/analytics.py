"""Reads for the source analytics and the trafficking index, always through visible_to.

Each function takes the trace queryset a user may see, already narrowed by the
period and area filters (`filtered_traces`), and returns plain rows: the charts
(tracing.analytics_charts), the tables and the CSV downloads share them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth

from tracing.indicators import ONE_YEAR_DAYS, THREE_YEARS_DAYS
from tracing.models import Dealer, PersonMention, Trace, TraffickingWeights
from tracing.trafficking import SCORERS, Scored, TraceFacts, merged_weights

# Published national figures the agency's own are set beside.
NATIONAL_SOURCE = (
    "ATF, National Firearms Commerce and Trafficking Assessment (NFCTA), Volume II: "
    "Crime Guns (2023), traces of 2017-2021"
)
NATIONAL_TTC_UNDER_1_YEAR = 0.25  # "nearly 25 percent" recovered within a year of sale
NATIONAL_TTC_UNDER_3_YEARS = 0.46  # 46 percent within three years (54 percent beyond)


@dataclass(frozen=True)
class Period:
    """The period and area filters of the analytics and ranking pages."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    state: str = ""
    city: str = ""
    zip_code: str = ""

    @classmethod
    def from_query(cls, query: Any) -> Period:
        def date(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(query.get(name, "").strip())
            except ValueError:
                return None

        return cls(
            date_from=date("date_from"),
            date_to=date("date_to"),
            state=query.get("state", "").strip().upper()[:2],
            city=query.get("city", "").strip().upper()[:100],
            zip_code=query.get("zip", "").strip()[:10],
        )

    def describe(self) -> str:
        parts = []
        if self.date_from or self.date_to:
            parts.append(
                f"recovered {self.date_from or 'any time'} to {self.date_to or 'today'}".replace(
                    "any time to today", "any time"
                )
            )
        for label, value in (("state", self.state), ("city", self.city), ("ZIP", self.zip_code)):
            if value:
                parts.append(f"{label} {value}")
        return ", ".join(parts) or "all traces you can see"


def filtered_traces(user: Any, period: Period) -> QuerySet[Trace]:
    traces = Trace.objects.visible_to(user)
    if period.date_from:
        traces = traces.filter(recovery_date__gte=period.date_from)
    if period.date_to:
        traces = traces.filter(recovery_date__lte=period.date_to)
    if period.state:
        traces = traces.filter(recovery_state=period.state)
    if period.city:
        traces = traces.filter(recovery_city__iexact=period.city)
    if period.zip_code:
        traces = traces.filter(recovery_zip__startswith=period.zip_code)
    return traces


def source_states(traces: QuerySet[Trace]) -> list[tuple[str, int]]:
    """Traced guns by the state of the selling dealer, most first."""
    rows = (
        traces.exclude(purchase__dealer__premise_state="")
        .filter(purchase__dealer__isnull=False)
        .values("purchase__dealer__premise_state")
        .annotate(n=Count("id"))
        .order_by("-n", "purchase__dealer__premise_state")
    )
    return [(row["purchase__dealer__premise_state"], row["n"]) for row in rows]


def ttc_days(traces: QuerySet[Trace]) -> list[int]:
    days = traces.exclude(time_to_crime_days__isnull=True).values_list(
        "time_to_crime_days", flat=True
    )
    return [d for d in days if d is not None]


def ttc_comparison(traces: QuerySet[Trace]) -> list[dict[str, Any]]:
    """The agency's share of traces under 1 and 3 years TTC beside the national figures."""
    counts = traces.exclude(time_to_crime_days__isnull=True).aggregate(
        total=Count("id"),
        under_1=Count("id", filter=Q(time_to_crime_days__lt=ONE_YEAR_DAYS)),
        under_3=Count("id", filter=Q(time_to_crime_days__lt=THREE_YEARS_DAYS)),
    )
    total = counts["total"]
    return [
        {
            "measure": label,
            "traces": total,
            "count": counts[key],
            "share": counts[key] / total if total else None,
            "national": national,
            "source": NATIONAL_SOURCE,
        }
        for key, label, national in (
            ("under_1", "Time-to-crime under 1 year", NATIONAL_TTC_UNDER_1_YEAR),
            (
                "under_3",
                "Time-to-crime under 3 years (ATF's short TTC)",
                NATIONAL_TTC_UNDER_3_YEARS,
            ),
        )
    ]


def top_dealers(traces: QuerySet[Trace], limit: int = 200) -> list[dict[str, Any]]:
    """The dealers who sold the most traced guns, with their short-TTC share against all."""
    with_ttc = Q(time_to_crime_days__isnull=False)
    overall = traces.filter(with_ttc).aggregate(
        n=Count("id"), short=Count("id", filter=Q(time_to_crime_days__lt=THREE_YEARS_DAYS))
    )
    average = overall["short"] / overall["n"] if overall["n"] else None
    rows = list(
        traces.filter(purchase__dealer__isnull=False)
        .values("purchase__dealer")
        .annotate(
            n=Count("id"),
            with_ttc=Count("id", filter=with_ttc),
            under_1=Count("id", filter=Q(time_to_crime_days__lt=ONE_YEAR_DAYS)),
            under_3=Count("id", filter=Q(time_to_crime_days__lt=THREE_YEARS_DAYS)),
            out_of_state=Count("id", filter=Q(out_of_state_source=True)),
        )
        .order_by("-n", "purchase__dealer")[:limit]
    )
    dealers = Dealer.objects.in_bulk([row["purchase__dealer"] for row in rows])
    out = []
    for rank, row in enumerate(rows, start=1):
        share = row["under_3"] / row["with_ttc"] if row["with_ttc"] else None
        out.append(
            {
                "rank": rank,
                "dealer": dealers[row["purchase__dealer"]],
                "traces": row["n"],
                "with_ttc": row["with_ttc"],
                "under_1": row["under_1"],
                "under_3": row["under_3"],
                "short_share": share,
                "ratio": share / average if share is not None and average else None,
                "out_of_state": row["out_of_state"],
            }
        )
    return out


def traces_per_month(traces: QuerySet[Trace]) -> list[tuple[dt.date, int]]:
    rows = (
        traces.exclude(recovery_date__isnull=True)
        .annotate(month=TruncMonth("recovery_date"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    return [(row["month"], row["n"]) for row in rows]


def firearm_types(traces: QuerySet[Trace]) -> list[tuple[str, int]]:
    rows = (
        traces.values("firearm__firearm_type")
        .annotate(n=Count("id"))
        .order_by("-n", "firearm__firearm_type")
    )
    return [(row["firearm__firearm_type"] or "unknown", row["n"]) for row in rows]


def calibers(traces: QuerySet[Trace], limit: int = 20) -> list[tuple[str, int]]:
    rows = (
        traces.values("firearm__caliber").annotate(n=Count("id")).order_by("-n", "firearm__caliber")
    )[:limit]
    return [(row["firearm__caliber"] or "unknown", row["n"]) for row in rows]


def recovery_points(traces: QuerySet[Trace], limit: int = 5000) -> list[tuple[float, float, str]]:
    rows = (
        traces.exclude(recovery_lat__isnull=True)
        .exclude(recovery_lon__isnull=True)
        .order_by("-recovery_date", "pk")
        .values_list("recovery_lat", "recovery_lon", "trace_number")[:limit]
    )
    return [(lat, lon, number) for lat, lon, number in rows if lat is not None and lon is not None]


def corridors(traces: QuerySet[Trace]) -> list[tuple[str, str, int]]:
    """Traced guns by (dealer's state, recovery state), most first."""
    rows = (
        traces.filter(purchase__dealer__isnull=False)
        .exclude(purchase__dealer__premise_state="")
        .exclude(recovery_state="")
        .values(source=F("purchase__dealer__premise_state"), recovered=F("recovery_state"))
        .annotate(n=Count("id"))
        .order_by("-n", "source", "recovered")
    )
    return [(row["source"], row["recovered"], row["n"]) for row in rows]


# The trafficking index -------------------------------------------------------------------


def agency_weights(agency_id: int | None) -> dict[str, float]:
    custom = (
        TraffickingWeights.objects.filter(agency_id=agency_id).values_list("weights", flat=True)
        if agency_id
        else []
    )
    return merged_weights(next(iter(custom), None))


def trace_facts(traces: QuerySet[Trace]) -> list[TraceFacts]:
    """The facts of every trace in the queryset, one query for traces and one for purchasers."""
    rows = traces.order_by("recovery_date", "pk").values_list(
        "pk",
        "trace_number",
        "firearm_id",
        "firearm__manufacturer",
        "firearm__model",
        "firearm__caliber",
        "firearm__serial_normalised",
        "purchase__dealer_id",
        "purchase__dealer__business_name",
        "purchase__dealer__license_name",
        "purchase__dealer__ffl_number",
        "time_to_crime_days",
        "purchaser_not_possessor",
        "multiple_sale",
        "firearm__obliterated",
        "out_of_state_source",
        "agency_id",
        "agency_case_number",
    )
    mentions = {
        trace_id: (pk, key, last, first, dob)
        for pk, trace_id, key, last, first, dob in PersonMention.objects.filter(
            role="purchaser", trace__in=traces.values("pk")
        ).values_list("pk", "trace_id", "person_key", "last_name", "first_name", "dob")
    }
    facts = []
    for (
        pk,
        number,
        firearm_id,
        make,
        model,
        caliber,
        serial,
        dealer_id,
        business,
        license_name,
        ffl,
        days,
        not_possessor,
        multiple,
        obliterated,
        out_of_state,
        agency_id,
        case_number,
    ) in rows.iterator(chunk_size=5000):
        mention = mentions.get(pk)
        purchaser_label = ""
        if mention:
            name = ", ".join(part for part in (mention[2], mention[3]) if part)
            purchaser_label = f"{name} (born {mention[4]})" if mention[4] else name
        facts.append(
            TraceFacts(
                trace_number=number,
                firearm_id=firearm_id,
                firearm_label=" ".join(
                    p for p in (make, model, caliber, serial or "obliterated serial") if p
                ),
                purchaser_key=mention[1] if mention and mention[1].strip("|") else "",
                purchaser_label=purchaser_label,
                purchaser_ref=mention[0] if mention else None,
                dealer_id=dealer_id,
                dealer_label=f"{business or license_name or ffl} ({ffl})" if dealer_id else "",
                time_to_crime_days=days,
                purchaser_not_possessor=not_possessor,
                multiple_sale=multiple,
                obliterated=obliterated,
                out_of_state_source=out_of_state,
                case_number=f"{agency_id}:{case_number}" if case_number else "",
            )
        )
    return facts


def ranking(traces: QuerySet[Trace], kind: str, weights: dict[str, float]) -> list[Scored]:
    """Purchasers, dealers or firearms of these traces ranked by the trafficking index."""
    return SCORERS[kind](trace_facts(traces), weights)
