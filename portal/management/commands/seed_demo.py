"""Build the synthetic city (deterministic for a given --seed)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.demo import DEMO_PASSWORD, DEMO_USERS, SCALES, demo_is_loaded, seed_demo, truth_path


class Command(BaseCommand):
    help = "Load the synthetic demo city: agencies, users and every app's records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_is_loaded():
            self.stdout.write("Demo data is already loaded; nothing changed.")
        else:
            started = time.monotonic()
            ctx = seed_demo(scale=options["scale"], seed_value=options["seed"])
            for line in ctx.log:
                self.stdout.write(f"  {line}")
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo ({options['scale']}, seed {options['seed']}) loaded in "
                    f"{time.monotonic() - started:.1f} s; ground truth in {truth_path()}"
                )
            )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, agency, role in DEMO_USERS:
            self.stdout.write(f"  {username:<18} {role.label:<14} {agency}")
        self.stdout.write(
            "Second factor: each demo user has a fixed demo TOTP secret; "
            "`python manage.py demo_totp USER` prints the current six-digit code "
            "(or add the secret it prints to an authenticator app)."
        )
