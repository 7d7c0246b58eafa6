"""The trafficking index: scores for purchasers, dealers and firearms, explained in words (pure).

Every score is a sum of contributions, one per indicator that holds, each
shown as a sentence with the points it adds ("3 guns recovered within a year
of sale (+9.0)"). The weights are the points an indicator is worth; each
agency may set its own (tracing.models.TraffickingWeights).

- Purchasers and firearms add the points of the traces they appear on: a
  purchaser with four straw-bought handguns recovered from other people within
  months scores four times the evidence of one such gun.
- Dealers are scored on the *excess* over what their volume explains: for each
  indicator, the dealer's count minus the count expected at the rate of every
  dealer in view (a big ordinary dealer is not a source dealer because it sells
  many guns). Only an excess adds points.

Nothing here knows any ground truth: it sees the facts an e-Trace download gives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tracing.indicators import ONE_YEAR_DAYS, THREE_YEARS_DAYS

# The points each indicator is worth unless an agency sets its own.
DEFAULT_WEIGHTS: dict[str, float] = {
    "ttc_under_1_year": 3.0,
    "ttc_1_to_3_years": 1.0,
    "purchaser_not_possessor": 2.0,
    "multiple_sale": 3.0,
    "repeat_purchase": 1.0,
    "obliterated_serial": 2.0,
    "out_of_state_source": 2.0,
    "dealer_short_ttc_share": 1.0,
    "several_incidents": 2.0,
}
WEIGHT_LABELS: dict[str, str] = {
    "ttc_under_1_year": "Time-to-crime under 1 year (per gun)",
    "ttc_1_to_3_years": "Time-to-crime of 1 to 3 years (per gun)",
    "purchaser_not_possessor": "Purchaser is not the possessor (per gun)",
    "multiple_sale": "Bought in a multiple sale (per gun)",
    "repeat_purchase": "Each traced gun a purchaser bought after the first",
    "obliterated_serial": "Obliterated serial (per gun)",
    "out_of_state_source": "Sold out of state (per gun)",
    "dealer_short_ttc_share": (
        "Sold by a dealer whose short time-to-crime share is above average "
        "(per gun, times the excess ratio)"
    ),
    "several_incidents": "Gun tied to several incidents (per extra incident)",
}


def merged_weights(custom: Mapping[str, object] | None) -> dict[str, float]:
    """The default weights with an agency's own values over them (unknown keys ignored)."""
    weights = dict(DEFAULT_WEIGHTS)
    for key, value in (custom or {}).items():
        if key in weights and isinstance(value, int | float) and value >= 0:
            weights[key] = float(value)
    return weights


@dataclass(frozen=True)
class TraceFacts:
    """What one trace says, as the index needs it."""

    trace_number: str
    firearm_id: int
    firearm_label: str = ""
    purchaser_key: str = ""
    purchaser_label: str = ""
    purchaser_ref: int | None = None
    dealer_id: int | None = None
    dealer_label: str = ""
    time_to_crime_days: int | None = None
    purchaser_not_possessor: bool = False
    multiple_sale: bool = False
    obliterated: bool = False
    out_of_state_source: bool = False
    case_number: str = ""


@dataclass(frozen=True)
class Contribution:
    key: str
    text: str
    points: float

    def __str__(self) -> str:
        return f"{self.text} (+{self.points:.1f})"


@dataclass
class Scored:
    """One purchaser, dealer or firearm with its score and why."""

    key: str | int
    label: str
    ref: int | None
    traces: list[str] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(sum(c.points for c in self.contributions), 2)

    @property
    def explanation(self) -> str:
        return "; ".join(str(c) for c in self.contributions) or "No indicator holds."


def _guns(n: int | float) -> str:
    if isinstance(n, float) and not n.is_integer():
        return f"{n:.1f} guns"
    n = int(n)
    return f"{n} gun" if n == 1 else f"{n} guns"


@dataclass
class _Counts:
    traces: list[str] = field(default_factory=list)
    under_1: int = 0
    one_to_3: int = 0
    under_3: int = 0
    with_ttc: int = 0
    not_possessor: int = 0
    multiple: int = 0
    obliterated: int = 0
    out_of_state: int = 0
    firearms: set[int] = field(default_factory=set)
    dealer_ratio_points: float = 0.0
    dealer_ratio_guns: int = 0

    def add(self, fact: TraceFacts) -> None:
        self.traces.append(fact.trace_number)
        self.firearms.add(fact.firearm_id)
        days = fact.time_to_crime_days
        if days is not None:
            self.with_ttc += 1
            if days < ONE_YEAR_DAYS:
                self.under_1 += 1
            elif days < THREE_YEARS_DAYS:
                self.one_to_3 += 1
            if days < THREE_YEARS_DAYS:
                self.under_3 += 1
        self.not_possessor += fact.purchaser_not_possessor
        self.multiple += fact.multiple_sale
        self.obliterated += fact.obliterated
        self.out_of_state += fact.out_of_state_source


def dealer_short_ttc_ratios(facts: Iterable[TraceFacts]) -> dict[int, float]:
    """Each dealer's share of traces under 3 years TTC, divided by the share of all dealers."""
    per: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    total = [0, 0]
    for fact in facts:
        if fact.dealer_id is None or fact.time_to_crime_days is None:
            continue
        short = int(fact.time_to_crime_days < THREE_YEARS_DAYS)
        per[fact.dealer_id][0] += short
        per[fact.dealer_id][1] += 1
        total[0] += short
        total[1] += 1
    if not total[0]:
        return {}
    average = total[0] / total[1]
    return {dealer: (short / n) / average for dealer, (short, n) in per.items()}


def _trace_contributions(
    counts: _Counts, weights: Mapping[str, float], *, several: int, possessed_by_others: bool
) -> list[Contribution]:
    """Contributions from counts of guns (purchasers and firearms)."""
    out: list[Contribution] = []

    def add(key: str, n: float, text: str) -> None:
        points = weights[key] * n
        if n > 0 and points > 0:
            out.append(Contribution(key, text, round(points, 2)))

    add(
        "ttc_under_1_year",
        counts.under_1,
        f"{_guns(counts.under_1)} recovered within a year of sale",
    )
    add(
        "ttc_1_to_3_years",
        counts.one_to_3,
        f"{_guns(counts.one_to_3)} recovered 1 to 3 years after sale",
    )
    if possessed_by_others:
        add(
            "purchaser_not_possessor",
            counts.not_possessor,
            f"{counts.not_possessor} with other possessors",
        )
    else:
        add(
            "purchaser_not_possessor",
            counts.not_possessor,
            f"found on {counts.not_possessor} trace{'s' if counts.not_possessor != 1 else ''} "
            "with someone other than its purchaser",
        )
    add("multiple_sale", counts.multiple, f"{_guns(counts.multiple)} bought in multiple sales")
    add(
        "obliterated_serial",
        counts.obliterated,
        f"{counts.obliterated} recover{'y' if counts.obliterated == 1 else 'ies'} "
        "with the serial obliterated",
    )
    add(
        "out_of_state_source",
        counts.out_of_state,
        f"{_guns(counts.out_of_state)} sold in another state than where recovered",
    )
    if counts.dealer_ratio_guns:
        add(
            "dealer_short_ttc_share",
            counts.dealer_ratio_points,
            f"{_guns(counts.dealer_ratio_guns)} from dealers whose short time-to-crime share "
            "is above average",
        )
    add(
        "several_incidents",
        several,
        f"{several} more incident{'' if several == 1 else 's'} tied to the same "
        f"gun{'s' if len(counts.firearms) > 1 else ''} (recovered on several traces)",
    )
    return out


def _ranked(items: Iterable[Scored]) -> list[Scored]:
    return sorted(items, key=lambda s: (-s.score, -len(s.traces), str(s.label)))


def _several(facts: Iterable[TraceFacts]) -> dict[int, int]:
    """How many incidents each firearm is tied to: its traces' distinct case numbers.

    A trace without a case number counts as an incident of its own.
    """
    per: dict[int, set[str]] = defaultdict(set)
    for fact in facts:
        per[fact.firearm_id].add(fact.case_number or f"trace {fact.trace_number}")
    return defaultdict(int, {firearm: len(cases) for firearm, cases in per.items()})


def score_purchasers(
    facts: list[TraceFacts], weights: Mapping[str, float] = DEFAULT_WEIGHTS
) -> list[Scored]:
    """Purchasers (same normalised name and date of birth) ranked by their index, best first."""
    ratios = dealer_short_ttc_ratios(facts)
    traces_of_gun = _several(facts)
    groups: dict[str, tuple[Scored, _Counts]] = {}
    for fact in facts:
        if not fact.purchaser_key:
            continue
        if fact.purchaser_key not in groups:
            groups[fact.purchaser_key] = (
                Scored(fact.purchaser_key, fact.purchaser_label, fact.purchaser_ref),
                _Counts(),
            )
        scored, counts = groups[fact.purchaser_key]
        counts.add(fact)
        ratio = ratios.get(fact.dealer_id) if fact.dealer_id is not None else None
        if ratio is not None and ratio > 1:
            counts.dealer_ratio_points += ratio - 1
            counts.dealer_ratio_guns += 1
    out = []
    for scored, counts in groups.values():
        scored.traces = counts.traces
        several = sum(max(0, traces_of_gun[f] - 1) for f in counts.firearms)
        scored.contributions = _trace_contributions(
            counts, weights, several=several, possessed_by_others=True
        )
        guns = len(counts.firearms)
        if guns > 1 and weights["repeat_purchase"] > 0:
            scored.contributions.append(
                Contribution(
                    "repeat_purchase",
                    f"bought {guns} traced guns",
                    round(weights["repeat_purchase"] * (guns - 1), 2),
                )
            )
        out.append(scored)
    return _ranked(out)


def score_firearms(
    facts: list[TraceFacts], weights: Mapping[str, float] = DEFAULT_WEIGHTS
) -> list[Scored]:
    """Firearms ranked by their index, best first."""
    ratios = dealer_short_ttc_ratios(facts)
    incidents_of_gun = _several(facts)
    groups: dict[int, tuple[Scored, _Counts]] = {}
    for fact in facts:
        if fact.firearm_id not in groups:
            groups[fact.firearm_id] = (
                Scored(fact.firearm_id, fact.firearm_label, fact.firearm_id),
                _Counts(),
            )
        scored, counts = groups[fact.firearm_id]
        counts.add(fact)
        ratio = ratios.get(fact.dealer_id) if fact.dealer_id is not None else None
        if ratio is not None and ratio > 1:
            counts.dealer_ratio_points += ratio - 1
            counts.dealer_ratio_guns += 1
    out = []
    for scored, counts in groups.values():
        scored.traces = counts.traces
        scored.contributions = _trace_contributions(
            counts,
            weights,
            several=incidents_of_gun[int(scored.key)] - 1,
            possessed_by_others=False,
        )
        out.append(scored)
    return _ranked(out)


def score_dealers(
    facts: list[TraceFacts], weights: Mapping[str, float] = DEFAULT_WEIGHTS
) -> list[Scored]:
    """Dealers ranked by how far their traces exceed what their volume explains."""
    with_dealer = [f for f in facts if f.dealer_id is not None]
    if not with_dealer:
        return []
    all_counts = _Counts()
    groups: dict[int, tuple[Scored, _Counts]] = {}
    for fact in with_dealer:
        all_counts.add(fact)
        assert fact.dealer_id is not None
        if fact.dealer_id not in groups:
            groups[fact.dealer_id] = (
                Scored(fact.dealer_id, fact.dealer_label, fact.dealer_id),
                _Counts(),
            )
        groups[fact.dealer_id][1].add(fact)
    total = len(all_counts.traces)
    traces_of_gun = _several(facts)
    out = []
    for scored, counts in groups.values():
        scored.traces = counts.traces
        n = len(counts.traces)
        found: list[Contribution | None] = []

        def excess(key: str, own: int, everyone: int, of: int, everyone_of: int, what: str) -> None:
            found.append(_excess(weights[key], key, own, everyone, of, everyone_of, what))  # noqa: B023

        excess(
            "ttc_under_1_year",
            counts.under_1,
            all_counts.under_1,
            counts.with_ttc,
            all_counts.with_ttc,
            "recovered within a year of sale",
        )
        excess(
            "dealer_short_ttc_share",
            counts.under_3,
            all_counts.under_3,
            counts.with_ttc,
            all_counts.with_ttc,
            "recovered within 3 years of sale (ATF's short time-to-crime)",
        )
        excess(
            "purchaser_not_possessor",
            counts.not_possessor,
            all_counts.not_possessor,
            n,
            total,
            "found with someone other than the purchaser",
        )
        excess(
            "multiple_sale",
            counts.multiple,
            all_counts.multiple,
            n,
            total,
            "sold in multiple sales",
        )
        excess(
            "out_of_state_source",
            counts.out_of_state,
            all_counts.out_of_state,
            n,
            total,
            "recovered in another state",
        )
        repeated = sum(1 for f in counts.firearms if traces_of_gun[f] > 1)
        everyone_repeated = sum(1 for f in all_counts.firearms if traces_of_gun[f] > 1)
        excess(
            "several_incidents",
            repeated,
            everyone_repeated,
            len(counts.firearms),
            len(all_counts.firearms),
            "tied to several incidents (case numbers)",
        )
        scored.contributions = [c for c in found if c is not None]
        out.append(scored)
    return _ranked(out)


def _excess(
    weight: float, key: str, own: int, everyone: int, of: int, everyone_of: int, what: str
) -> Contribution | None:
    """Points for what a dealer's count exceeds the count expected at everyone's rate."""
    if not of or not everyone_of:
        return None
    expected = of * everyone / everyone_of
    surplus = own - expected
    points = weight * surplus
    if surplus <= 0 or points <= 0:
        return None
    return Contribution(
        key,
        f"{own} of {_guns(of)} {what} where {expected:.1f} were expected at "
        f"the rate of all dealers ({everyone / everyone_of:.0%})",
        round(points, 2),
    )


SCORERS = {
    "purchasers": score_purchasers,
    "dealers": score_dealers,
    "firearms": score_firearms,
}


def precision_at(ranks: Iterable[int | None], k: int) -> tuple[float, int, int]:
    """Precision at k of planted items given their ranks (1-based; None = not ranked).

    Returns (precision, hits, denominator). The denominator is min(k, planted):
    with fewer planted items than k, a perfect ranking scores 1.0.
    """
    ranks = list(ranks)
    hits = sum(1 for r in ranks if r is not None and r <= k)
    denominator = min(k, len(ranks))
    return (hits / denominator if denominator else 0.0), hits, denominator
