"""`manage.py import_shotspotter FILE --agency ORI [--skip-invalid] [--profile FILE]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from portal.import_command import ImportCommand
from portal.incidents.management.commands._profile import add_profile_argument, profile_option
from portal.models import Agency


class Command(ImportCommand):
    help = "Import a ShotSpotter export (CSV/XLSX) for an agency, then link its alerts."
    kind = "shotspotter"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        add_profile_argument(parser)

    def extra_options(self, options: dict[str, Any], agency: Agency) -> dict[str, Any]:
        return profile_option(options)
