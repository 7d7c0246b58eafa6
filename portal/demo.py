"""The synthetic city: agencies, users and the shared context every app's demo extends.

`manage.py seed_demo` builds a DemoContext, then calls `seed(ctx)` of every
installed app's `demo` module in the order of its `ORDER`. Each app adds its
records and writes what is true about them (which mentions are the same
person, which purchasers are planted straw purchasers, ...) into
`ctx.truth[<app>]`, which is saved as JSON for tests and benchmarks.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction

from portal.bulk import analyze, foreign_keys_checked_at_end
from portal.choices import Role
from portal.mfa import demo_device_create
from portal.models import Agency, User
from portal.services import agency_create, sharing_agreement_create, user_create

ORDER = 0

# Synthetic, documented in the README; the demo must never hold real people.
DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105


@dataclass(frozen=True)
class Scale:
    name: str
    traces: int
    incidents: int
    alerts: int
    casings: int


SCALES = {
    "small": Scale("small", traces=400, incidents=250, alerts=600, casings=80),
    "city": Scale("city", traces=20_000, incidents=5_000, alerts=15_000, casings=2_000),
    "state": Scale("state", traces=1_000_000, incidents=200_000, alerts=500_000, casings=100_000),
}

DEMO_AGENCIES = [
    # key, name, ORI, state
    ("city", "Metro City Police Department", "MD0990100", "MD"),
    ("county", "Ridge County Sheriff's Office", "MD0990200", "MD"),
    ("state", "State Police Crime Gun Intelligence Center", "MD0990300", "MD"),
]

# Who shares with whom: the city and the county share with each other; both
# share with the state police, which shares with neither.
DEMO_SHARING = [("city", "county"), ("county", "city"), ("city", "state"), ("county", "state")]

DEMO_USERS = [
    # username, agency key, role
    ("detective", "city", Role.DETECTIVE),
    ("analyst", "city", Role.ANALYST),
    ("lab", "city", Role.LAB),
    ("supervisor", "city", Role.SUPERVISOR),
    ("admin", "city", Role.ADMIN),
    ("county.detective", "county", Role.DETECTIVE),
    ("county.analyst", "county", Role.ANALYST),
    ("state.analyst", "state", Role.ANALYST),
    ("state.supervisor", "state", Role.SUPERVISOR),
]


@dataclass
class DemoContext:
    """What the demo steps share: the random source, scale, agencies, users and truth."""

    scale: Scale
    seed: int
    rng: random.Random
    agencies: dict[str, Agency] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    truth: dict[str, Any] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.log.append(line)


def seed(ctx: DemoContext) -> None:
    """Agencies, sharing agreements and one demo user per role."""
    for key, name, ori, state in DEMO_AGENCIES:
        ctx.agencies[key] = agency_create(name=name, ori=ori, state=state)
    for owner, partner in DEMO_SHARING:
        sharing_agreement_create(
            owner=ctx.agencies[owner], partner=ctx.agencies[partner], reference="DEMO-MOU"
        )
    for username, agency_key, role in DEMO_USERS:
        ctx.users[username] = user_create(
            agency=ctx.agencies[agency_key],
            username=username,
            role=role,
            password=DEMO_PASSWORD,
            email=f"{username}@example.org",
        )
        if settings.PORTAL_DEMO_TOTP:
            # Fixed, documented TOTP secrets: `manage.py demo_totp USER` prints the code.
            demo_device_create(ctx.users[username])
    ctx.truth["portal"] = {
        "agencies": {key: agency.ori for key, agency in ctx.agencies.items()},
        "users": {name: role for name, _, role in DEMO_USERS},
    }
    ctx.say(f"{len(ctx.agencies)} agencies, {len(ctx.users)} users")


def demo_is_loaded() -> bool:
    return Agency.objects.filter(ori=DEMO_AGENCIES[0][2]).exists()


def demo_steps() -> list[Any]:
    """Every installed app's demo modules (`demo` and `demo_*`), in ORDER."""
    modules = []
    for config in apps.get_app_configs():
        path = getattr(config.module, "__path__", None)
        if path is None:
            continue
        names = sorted(
            info.name
            for info in pkgutil.iter_modules(path)
            if info.name == "demo" or info.name.startswith("demo_")
        )
        modules += [importlib.import_module(f"{config.name}.{name}") for name in names]
    return sorted(modules, key=lambda module: getattr(module, "ORDER", 100))


def truth_path() -> Path:
    return Path(settings.VAR_DIR) / "demo" / "ground_truth.json"


def demo_steps_run(ctx: DemoContext, on_step: Callable[[str, float], None] | None = None) -> None:
    """Every app's demo step in order, in the caller's transaction; `on_step(name, seconds)`.

    The steps' tables have their foreign keys checked once, when the last step is
    done, rather than row by row (`foreign_keys_checked_at_end`). Past the small
    scale, the planner's statistics are refreshed after each step:
    the whole demo is one transaction, so autovacuum sees none of its rows, and
    the next step's joins would be planned as if the tables were empty.
    """
    steps = demo_steps()
    written = [
        model
        for config in {apps.get_containing_app_config(module.__name__) for module in steps}
        if config is not None
        for model in config.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]
    with foreign_keys_checked_at_end(written):
        for module in steps:
            started = time.perf_counter()
            module.seed(ctx)
            if ctx.scale.name != "small":
                # The steps' tables only: a database-wide ANALYZE would hold the shared
                # catalogs' statistics lock until the commit, and stall every other
                # database's ANALYZE on the server meanwhile.
                analyze(*written)
            if on_step is not None:
                on_step(module.__name__, time.perf_counter() - started)


def seed_demo(*, scale: str = "small", seed_value: int = 7) -> DemoContext:
    """Build the whole demo in one transaction and write its ground truth."""
    ctx = DemoContext(scale=SCALES[scale], seed=seed_value, rng=random.Random(seed_value))
    with transaction.atomic():
        demo_steps_run(ctx)
    path = truth_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"scale": scale, "seed": seed_value, **ctx.truth}, indent=1))
    return ctx


def load_truth() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(truth_path().read_text())
    return data
