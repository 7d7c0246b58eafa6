"""How well the trafficking index ranks seed_demo's planted straw purchasers and source dealers.

This module reads the demo's ground truth; the scoring (tracing.trafficking)
never does. A planted purchaser is found at the rank of the purchaser (same
normalised name and date of birth) whose traces include theirs; a planted
dealer at the rank of its FFL number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.models import Agency
from tracing import analytics
from tracing.ffl import parse_ffl
from tracing.models import Dealer, Trace
from tracing.trafficking import precision_at

CUTOFFS = (10, 50)


@dataclass
class Evaluation:
    agency: str
    kind: str
    ranked: int
    ranks: dict[str, int | None]

    def precision(self, k: int) -> tuple[float, int, int]:
        return precision_at(self.ranks.values(), k)


def evaluate_agency(agency: Agency, truth: dict[str, Any]) -> list[Evaluation]:
    """Rank the agency's own traces with its weights and find each planted one."""
    traces = Trace.objects.filter(agency=agency)
    weights = analytics.agency_weights(agency.pk)
    out = []

    purchasers = analytics.ranking(traces, "purchasers", weights)
    rank_of_trace: dict[str, int] = {}
    for rank, scored in enumerate(purchasers, start=1):
        for number in scored.traces:
            rank_of_trace.setdefault(number, rank)
    ranks: dict[str, int | None] = {}
    for person, numbers in truth.get("straw_purchasers", {}).items():
        found = [rank_of_trace[n] for n in numbers if n in rank_of_trace]
        ranks[person] = min(found) if found else None
    out.append(Evaluation(agency.ori, "purchasers", len(purchasers), ranks))

    dealers = analytics.ranking(traces, "dealers", weights)
    # A dealer is its licence across renewals: the FFL number without its expiry code.
    key_of = dict(
        Dealer.objects.filter(pk__in=[int(s.key) for s in dealers]).values_list("pk", "ffl_key")
    )
    rank_of_key: dict[str, int] = {}
    for rank, scored in enumerate(dealers, start=1):
        rank_of_key.setdefault(key_of[int(scored.key)], rank)
    planted = [*truth.get("high_volume_dealers", []), *truth.get("out_of_state_dealers", [])]
    # A planted dealer none of whose guns was traced is not in the data: it cannot be ranked.
    out.append(
        Evaluation(
            agency.ori,
            "dealers",
            len(dealers),
            {ffl: rank_of_key[_licence(ffl)] for ffl in planted if _licence(ffl) in rank_of_key},
        )
    )
    return out


def _licence(ffl_number: str) -> str:
    return parse_ffl(ffl_number).key


def evaluate(truth: dict[str, Any]) -> list[Evaluation]:
    """Every demo agency in the ground truth's tracing section."""
    out = []
    for section in truth.values():
        if not isinstance(section, dict) or "straw_purchasers" not in section:
            continue
        agency = Agency.objects.filter(
            pk__in=Trace.objects.filter(
                trace_number__in=list(section.get("trace_gun", {}))[:1]
            ).values("agency_id")
        ).first()
        if agency is not None:
            out.extend(evaluate_agency(agency, section))
    return out
