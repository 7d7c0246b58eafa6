"""`manage.py export_links --kind alert-incident --out FILE.csv [--agency ORI]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.incidents.export import csv_text
from portal.incidents.models import AlertIncidentLink, AlertPairLink
from portal.incidents.selectors import link_export_rows, pair_export_rows
from portal.models import Agency

KINDS = {
    "alert-incident": ["alert_source_id", "incident_number", "distance_m", "minutes"],
    "alert-alert": ["alert_source_id", "other_source_id", "distance_m", "minutes"],
}


class Command(BaseCommand):
    help = "Export the links between alerts and incidents (or between alerts) as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=sorted(KINDS), default="alert-incident")
        parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
        parser.add_argument("--agency", help="Only this agency's links (ORI number)")

    def handle(self, *args: Any, **options: Any) -> None:
        kind: str = options["kind"]
        agency = None
        if options.get("agency"):
            agency = Agency.objects.filter(ori=options["agency"].strip().upper()).first()
            if agency is None:
                raise CommandError(f"No agency with ORI {options['agency']}")
        if kind == "alert-incident":
            links = AlertIncidentLink.objects.all()
            if agency is not None:
                links = links.filter(agency=agency)
            text, count = csv_text(KINDS[kind], link_export_rows(links))
        else:
            pairs = AlertPairLink.objects.all()
            if agency is not None:
                pairs = pairs.filter(agency=agency)
            text, count = csv_text(KINDS[kind], pair_export_rows(pairs))
        out: Path = options["out"]
        out.write_text(text, encoding="utf-8")
        self.stdout.write(f"{count} links written to {out}")
