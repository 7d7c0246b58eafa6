"""`manage.py import_incidents FILE --agency ORI [--persons FILE] [--skip-invalid]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from portal.import_command import ImportCommand
from portal.imports import ImportFileError, source_file_store
from portal.incidents.management.commands._profile import add_profile_argument, profile_option
from portal.models import Agency


class Command(ImportCommand):
    help = "Import crime incidents (CSV/XLSX/GeoJSON), optionally with a persons file."
    kind = "incidents"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        add_profile_argument(parser)
        parser.add_argument(
            "--persons",
            type=Path,
            help="CSV of incident persons (incident_number, role, last_name, first_name, ...)",
        )

    def extra_options(self, options: dict[str, Any], agency: Agency) -> dict[str, Any]:
        extra = profile_option(options)
        persons: Path | None = options.get("persons")
        if persons is not None:
            if not persons.is_file():
                raise CommandError(f"No such file: {persons}")
            try:
                with persons.open("rb") as handle, transaction.atomic():
                    stored = source_file_store(
                        agency=agency,
                        kind="incident-persons",
                        name=persons.name,
                        chunks=iter(lambda: handle.read(1 << 20), b""),
                    )
            except ImportFileError as exc:
                raise CommandError(str(exc)) from exc
            extra["persons_source_file_id"] = stored.pk
        return extra
