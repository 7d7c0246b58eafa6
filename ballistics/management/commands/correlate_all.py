"""`manage.py correlate_all --out FILE.csv`: every pairwise CMC score of an agency's scans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ballistics.models import Scan
from ballistics.services import scans_correlate_all


class Command(BaseCommand):
    help = "Write scan_a, scan_b, score for every pair of scans (of one agency with --agency)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--agency", help="Only this agency's scans (its ORI).")
        parser.add_argument("--processes", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        scans = Scan.objects.all()
        if options["agency"]:
            scans = scans.filter(agency__ori=options["agency"])
        if scans.count() < 2:
            raise CommandError("Fewer than two scans: nothing to correlate.")
        pairs = scans_correlate_all(scans, Path(options["out"]), processes=options["processes"])
        self.stdout.write(f"{pairs} pairs written to {options['out']}.")
