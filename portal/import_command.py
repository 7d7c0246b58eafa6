"""The base of every `import_*` management command: FILE --agency ORI, same handler as the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.choices import JobStatus
from portal.imports import import_run_now, importer_for
from portal.models import Agency


class ImportCommand(BaseCommand):
    """Subclasses set `kind`; options named in the importer become --flags."""

    kind: str = ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--agency", required=True, help="ORI number of the owning agency")
        for option in importer_for(self.kind).options:
            parser.add_argument(
                f"--{option.name.replace('_', '-')}",
                dest=option.name,
                action="store_true",
                help=option.help_text or option.label,
            )

    def extra_options(self, options: dict[str, Any], agency: Agency) -> dict[str, Any]:
        """Job options from a subclass's own arguments (JSON-serialisable)."""
        return {}

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        agency = Agency.objects.filter(ori=options["agency"].strip().upper()).first()
        if agency is None:
            raise CommandError(f"No agency with ORI {options['agency']}")
        flags: dict[str, Any] = {
            opt.name: bool(options.get(opt.name)) for opt in importer_for(self.kind).options
        }
        flags.update(self.extra_options(options, agency))
        job = import_run_now(agency=agency, kind=self.kind, path=path, options=flags)
        result = job.result or {}
        for key, value in result.items():
            if key != "errors":
                self.stdout.write(f"{key}: {value}")
        errors = result.get("errors", [])
        for error in errors[:200]:
            self.stderr.write(
                f"{error['file']} row {error['row']}, column {error['column']} "
                f"({error['value']!r}): {error['reason']}"
            )
        if len(errors) > 200:
            self.stderr.write(f"... and {len(errors) - 200} more refused rows")
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(job.message or "The import failed; nothing was written.")
        self.stdout.write(self.style.SUCCESS(job.message or "Import finished."))
