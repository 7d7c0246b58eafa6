"""The --profile FILE argument shared by the incident and alert import commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from portal.incidents.importers import profile_override_from_file
from portal.tabular import TableError


def add_profile_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--profile",
        type=Path,
        help="A JSON mapping profile whose header synonyms and options override the built-in ones",
    )


def profile_option(options: dict[str, Any]) -> dict[str, Any]:
    path: Path | None = options.get("profile")
    if path is None:
        return {}
    try:
        return {"profile": profile_override_from_file(path)}
    except TableError as exc:
        raise CommandError(str(exc)) from exc
