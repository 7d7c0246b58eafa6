"""python manage.py trafficking_index [--evaluate] [--agency ORI] [--kind K] [--top N]."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.demo import truth_path
from portal.models import Agency
from tracing import analytics
from tracing.evaluation import CUTOFFS, evaluate
from tracing.models import Trace


class Command(BaseCommand):
    help = (
        "Print the trafficking-index ranking of an agency's traces, or with --evaluate score "
        "seed_demo's planted straw purchasers and source dealers (precision@10, @50, ranks)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--evaluate", action="store_true")
        parser.add_argument("--truth", help="ground_truth.json (default: the demo's)")
        parser.add_argument("--agency", help="ORI of the agency to rank")
        parser.add_argument(
            "--kind", default="purchasers", choices=["purchasers", "dealers", "firearms"]
        )
        parser.add_argument("--top", type=int, default=20)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["evaluate"]:
            self.evaluate(Path(options["truth"]) if options["truth"] else truth_path())
            return
        if not options["agency"]:
            raise CommandError("--agency ORI is required (or --evaluate).")
        agency = Agency.objects.filter(ori=options["agency"]).first()
        if agency is None:
            raise CommandError(f"No agency {options['agency']}.")
        ranked = analytics.ranking(
            Trace.objects.filter(agency=agency),
            options["kind"],
            analytics.agency_weights(agency.pk),
        )
        for rank, scored in enumerate(ranked[: options["top"]], start=1):
            self.stdout.write(f"{rank:4d}  {scored.score:7.1f}  {scored.label}")
            self.stdout.write(f"      {scored.explanation}")

    def evaluate(self, path: Path) -> None:
        if not path.exists():
            raise CommandError(f"No ground truth at {path}: run seed_demo first.")
        truth = json.loads(path.read_text()).get("tracing", {})
        results = evaluate(truth)
        if not results:
            raise CommandError(
                "The ground truth names no demo agency with traces in this database."
            )
        for result in results:
            self.stdout.write(
                f"{result.agency} {result.kind}: {result.ranked} ranked, "
                f"{len(result.ranks)} planted"
            )
            for k in CUTOFFS:
                value, hits, denominator = result.precision(k)
                self.stdout.write(f"  precision@{k} = {value:.2f} ({hits} of {denominator})")
            ranks = ", ".join(
                f"{key}: {rank if rank is not None else 'not ranked'}"
                for key, rank in result.ranks.items()
            )
            self.stdout.write(f"  ranks: {ranks}")
        self.stdout.write(
            "precision@k = planted ones in the top k / min(k, planted): "
            "with fewer planted than k, a perfect ranking scores 1.00."
        )
