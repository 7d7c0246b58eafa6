"""`python manage.py graph_metrics [--agency ORI]`: recompute the stored graph metrics."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from leads.metrics import graph_metrics_store
from portal.models import Agency


class Command(BaseCommand):
    help = "Recompute degree, centrality and community of every entity (stored on Entity)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", help="ORI number of one agency (default: all).")

    def handle(self, *args: Any, **options: Any) -> None:
        agency_id = None
        if options["agency"]:
            agency_id = Agency.objects.get(ori=options["agency"].upper()).pk
        result = graph_metrics_store(agency_id=agency_id)
        self.stdout.write(f"metrics stored for {result['entities']} entities")
