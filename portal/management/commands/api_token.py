"""Issue an API token for a user from the command line (operators, CI)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.models import User
from portal.services import api_token_create


class Command(BaseCommand):
    help = "Print a new API token of USER (stored hashed, expiring after --hours)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--hours", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['username']!r}.")
        self.stdout.write(api_token_create(user=user, hours=options["hours"]))
