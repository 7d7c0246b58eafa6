"""Print a demo user's current TOTP code (the synthetic demo only)."""

from __future__ import annotations

import base64
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.mfa import confirmed_device, demo_secret_hex, totp_code
from portal.models import User


class Command(BaseCommand):
    help = "Print the current six-digit code of a demo user's authenticator (demo only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--secret", action="store_true", help="also print the secret")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.PORTAL_DEMO_TOTP:
            raise CommandError("Demo TOTP codes are disabled in these settings.")
        username = options["username"]
        user = User.objects.filter(username=username).first()
        device = confirmed_device(user) if user is not None else None
        if device is None or device.key != demo_secret_hex(username):
            raise CommandError(f"{username} is not a demo user with a demo authenticator.")
        remaining = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(totp_code(device))
        self.stderr.write(f"(valid for {remaining} more seconds; each code works once)")
        if options["secret"]:
            secret = base64.b32encode(device.bin_key).decode().rstrip("=")
            self.stderr.write(f"secret for an authenticator app: {secret}")
