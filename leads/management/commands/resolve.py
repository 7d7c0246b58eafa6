"""Full re-run of entity resolution: `python manage.py resolve [--kind KIND]`.

KIND is person, firearm, dealer or place; the stored graph metrics are then
recomputed by the graph worker."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from leads import services

KINDS = list(services.FULL_RUN_KINDS)


class Command(BaseCommand):
    help = "Re-resolve every mention of a kind (default: persons, firearms, dealers, places)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=[kind.value for kind in KINDS])

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = [options["kind"]] if options["kind"] else [kind.value for kind in KINDS]
        for kind in kinds:
            result = services.kind_resolve_all(kind)
            summary = ", ".join(f"{name} {value}" for name, value in result.items())
            self.stdout.write(f"{kind}: {summary}")
        # The stored degree, centrality and community follow the new clusters.
        services.graph_metrics_enqueue()
