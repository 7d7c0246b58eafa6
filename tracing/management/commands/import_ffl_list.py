"""`manage.py import_ffl_list FILE`: the ATF monthly FFL list (public reference data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracing.services import ImportRefused, ffl_list_import


class Command(BaseCommand):
    help = "Import the ATF's public monthly list of federal firearms licensees, all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = ffl_list_import(path=path)
        except ImportRefused as refused:
            for error in refused.result.get("errors", [])[:200]:
                self.stderr.write(
                    f"{error['file']} row {error['row']}, column {error['column']} "
                    f"({error['value']!r}): {error['reason']}"
                )
            raise CommandError(refused.message) from refused
        for key, value in result.items():
            if key != "errors":
                self.stdout.write(f"{key}: {value}")
        self.stdout.write(self.style.SUCCESS("FFL list imported."))
