"""Trafficking indicators: their names, the words that explain them, dealer shares (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracing.models import Trace

ONE_YEAR_DAYS = 365
THREE_YEARS_DAYS = 3 * 365

EXPLANATIONS = {
    "ttc_under_1_year": (
        "Time-to-crime under 1 year",
        "The gun was recovered less than a year after its retail sale. Nationally about a "
        "quarter of traced guns are; a short time-to-crime suggests the gun went quickly from "
        "the counter to the street.",
    ),
    "ttc_under_3_years": (
        "Time-to-crime under 3 years",
        "The gun was recovered less than three years after its retail sale, ATF's threshold "
        "for a short time-to-crime, a classic trafficking indicator.",
    ),
    "purchaser_not_possessor": (
        "Purchaser is not the possessor",
        "The person found with the gun is not the person who bought it (names or dates of "
        "birth differ), as when a straw purchaser buys for someone else.",
    ),
    "multiple_sale": (
        "Multiple sale",
        "The purchaser bought two or more handguns within five business days (the sales a "
        "dealer reports on ATF Form 3310.4); weekends are not business days, holidays are "
        "not taken into account.",
    ),
    "repeat_purchaser": (
        "Repeat purchaser",
        "The purchaser (same name and date of birth as written) bought two or more of this "
        "agency's traced guns.",
    ),
    "obliterated_serial": (
        "Obliterated serial",
        "The serial number was removed or defaced, usually to defeat a trace.",
    ),
    "out_of_state_source": (
        "Out-of-state source",
        "The gun was sold by a dealer in another state than the one where it was recovered, "
        "as along a trafficking corridor.",
    ),
}


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    explanation: str


def indicator(key: str) -> Indicator:
    label, explanation = EXPLANATIONS[key]
    return Indicator(key, label, explanation)


def trace_indicators(
    *,
    time_to_crime_days: int | None,
    purchaser_not_possessor: bool,
    multiple_sale: bool,
    repeat_purchaser: bool,
    obliterated: bool,
    out_of_state_source: bool,
) -> list[Indicator]:
    """The indicators that hold for one trace, each with its explanation."""
    keys = []
    if time_to_crime_days is not None and time_to_crime_days < ONE_YEAR_DAYS:
        keys.append("ttc_under_1_year")
    if time_to_crime_days is not None and time_to_crime_days < THREE_YEARS_DAYS:
        keys.append("ttc_under_3_years")
    for key, holds in (
        ("purchaser_not_possessor", purchaser_not_possessor),
        ("multiple_sale", multiple_sale),
        ("repeat_purchaser", repeat_purchaser),
        ("obliterated_serial", obliterated),
        ("out_of_state_source", out_of_state_source),
    ):
        if holds:
            keys.append(key)
    return [indicator(key) for key in keys]


@dataclass(frozen=True)
class ShortTTCShare:
    """A dealer's share of short time-to-crime traces against the agency's average."""

    dealer_traces: int
    dealer_short: int
    agency_traces: int
    agency_short: int

    @property
    def dealer_share(self) -> float | None:
        return self.dealer_short / self.dealer_traces if self.dealer_traces else None

    @property
    def agency_share(self) -> float | None:
        return self.agency_short / self.agency_traces if self.agency_traces else None

    @property
    def ratio(self) -> float | None:
        dealer, agency = self.dealer_share, self.agency_share
        if dealer is None or not agency:
            return None
        return dealer / agency

    @property
    def explanation(self) -> str:
        dealer, agency = self.dealer_share, self.agency_share
        if dealer is None or agency is None:
            return "No traces with a purchase date: the share cannot be computed."
        text = (
            f"{self.dealer_short} of this dealer's {self.dealer_traces} traced guns with a "
            f"purchase date ({dealer:.0%}) were recovered within 3 years of sale, against "
            f"{agency:.0%} of all {self.agency_traces} such traces you can see."
        )
        ratio = self.ratio
        if ratio is not None:
            text += f" That is {ratio:.1f} times the average."
        return text


def indicators_of_trace(trace: Trace) -> list[Indicator]:
    """The indicators of a stored trace (its firearm gives the obliterated serial)."""
    return trace_indicators(
        time_to_crime_days=trace.time_to_crime_days,
        purchaser_not_possessor=trace.purchaser_not_possessor,
        multiple_sale=trace.multiple_sale,
        repeat_purchaser=trace.repeat_purchaser,
        obliterated=trace.firearm.obliterated,
        out_of_state_source=trace.out_of_state_source,
    )
