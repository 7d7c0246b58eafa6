"""`python manage.py entities_sync [--agency ORI]`: mentions and edges for source records
that have none yet (what the import's task does), then the stored graph metrics."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from leads.metrics import graph_metrics_store
from leads.sources import sources_sync_all
from portal.models import Agency


class Command(BaseCommand):
    help = "Add the mentions and edges of source records not yet in the link graph."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", help="ORI number of one agency (default: all).")

    def handle(self, *args: Any, **options: Any) -> None:
        agencies = Agency.objects.order_by("pk")
        if options["agency"]:
            agencies = agencies.filter(ori=options["agency"].upper())
        synced = sources_sync_all([agency.pk for agency in agencies])
        for agency in agencies:
            result = synced[agency.pk]
            graph_metrics_store(agency_id=agency.pk)
            summary = ", ".join(f"{name} {value}" for name, value in result.items())
            self.stdout.write(f"{agency.ori}: {summary}")
