"""Full re-run of entity resolution: `python manage.py resolve [--kind person|firearm|dealer]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from leads import services
from leads.models import EntityKind

KINDS = [EntityKind.PERSON, EntityKind.FIREARM, EntityKind.DEALER]


class Command(BaseCommand):
    help = "Re-resolve every mention of a kind (default: persons, firearms and dealers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=[kind.value for kind in KINDS])

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = [options["kind"]] if options["kind"] else [kind.value for kind in KINDS]
        for kind in kinds:
            result = services.kind_resolve_all(kind)
            summary = ", ".join(f"{name} {value}" for name, value in result.items())
            self.stdout.write(f"{kind}: {summary}")
