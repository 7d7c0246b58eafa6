"""`python manage.py export_entities --kind person --out FILE.csv`: every mention and its entity."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from leads.models import EntityKind, EntityMention

COLUMNS = ["entity_id", "source", "source_record", "role"]


class Command(BaseCommand):
    help = "Export the entity of every mention of a kind as CSV (for scoring resolution)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=[kind.value for kind in EntityKind], required=True)
        parser.add_argument("--out", required=True, type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        rows = (
            EntityMention.objects.filter(kind=options["kind"])
            .order_by("entity_id", "pk")
            .values_list("entity_id", "source", "reference", "role")
        )
        count = 0
        with options["out"].open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for row in rows.iterator(chunk_size=5000):
                writer.writerow(row)
                count += 1
        self.stdout.write(f"{count} mentions written to {options['out']}")
