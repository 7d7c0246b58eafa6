"""`manage.py import_scans DIR --agency ORI`: load a folder of X3P breech-face scans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ballistics.services import scans_import_folder
from portal.models import Agency


class Command(BaseCommand):
    help = "Import every .x3p file of a folder as the agency's scans (same file twice: once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--agency", required=True, help="The agency's ORI.")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["folder"])
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        agency = Agency.objects.filter(ori=options["agency"]).first()
        if agency is None:
            raise CommandError(f"No agency with ORI {options['agency']}.")
        result = scans_import_folder(agency=agency, folder=folder)
        for error in result["errors"]:  # type: ignore[attr-defined]
            self.stderr.write(f"{error['file']}: {error['reason']}")
        self.stdout.write(
            f"{result['created']} scans imported, {result['unchanged']} already present, "
            f"{len(result['errors'])} refused."  # type: ignore[arg-type]
        )
