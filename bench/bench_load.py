"""Load test: 50 concurrent users of mixed roles against gunicorn with 2 workers, on loopback.

Seeds the demo city into a fresh benchmark database, serves it with
gunicorn on 127.0.0.1, gives each role a real signed-in session, and runs
locust headless for a bounded time. Reports p50/p95/p99 and errors.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from bench.harness import bench_database, timer
from bench.report import Measure, peak_memory_mb

ROOT = Path(__file__).resolve().parents[1]
USERS = int(os.environ.get("PORTAL_LOAD_USERS", "50"))
SECONDS = int(os.environ.get("PORTAL_LOAD_SECONDS", "60"))
# The city scale (5,000 incidents, 15,000 alerts, 20,000 traces, ...): pages under load
# should be measured on tables of a real city's size, not on the few rows of `small`.
SCALE = os.environ.get("PORTAL_LOAD_SCALE", "city")

# Pages each role browses, by URL name; a plain name is also looked up in every app's
# namespace ("incident_list" finds "incidents:incident_list"), so an app that lands
# later joins the load test by its page names alone. Names that resolve nowhere yet
# are listed in the output.
ROLE_PAGES: dict[str, list[str]] = {
    "detective": [
        "dashboard",
        "case_list",
        "lead_queue",
        "trace_list",
        "incident_list",
        "alert_map",
        "alert_live",
        "search",
    ],
    "analyst": [
        "dashboard",
        "lead_queue",
        "trace_list",
        "incident_list",
        "alert_list",
        "alert_map",
        "alert_live_json",
        "import_index",
        "search",
    ],
    "lab": ["dashboard", "evidence_list", "job_list", "import_index"],
    "supervisor": ["dashboard", "lead_queue", "time_to_lead", "job_list", "audit_list"],
    "admin": ["dashboard", "user_list", "audit_list", "account_security"],
}

# The detective's and analyst's daily pages, reported one by one beside the aggregate.
REPORTED_PAGES = (
    "/",
    "/leads/",
    "cases.case detail",
    "tracing.firearm detail",
    "search: name",
    "search: serial",
    "search: record number",
)


def resolve_page(url_name: str) -> str | None:
    """The path of a URL name, looked up as given and then in each app's namespace."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    candidates = [url_name]
    if ":" not in url_name:
        candidates += [f"{namespace}:{url_name}" for namespace in get_resolver().namespace_dict]
    for candidate in candidates:
        try:
            return reverse(candidate)
        except NoReverseMatch:
            continue
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url() -> str:
    from django.db import connection

    settings = connection.settings_dict
    host = settings["HOST"] or "127.0.0.1"
    from urllib.parse import quote

    auth = quote(settings["USER"] or "postgres")
    if settings.get("PASSWORD"):
        auth += ":" + quote(settings["PASSWORD"])
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgresql://{auth}@{quote(host, safe='')}{port}/{settings['NAME']}"


def record_paths() -> dict[str, str]:
    """Detail pages of a few real records, by the route they belong to."""
    from django.apps import apps

    found: dict[str, str] = {}
    for model in apps.get_models():
        if not hasattr(model, "get_absolute_url") or model._meta.app_label == "portal":
            continue
        for obj in model._default_manager.order_by("pk")[:5]:
            try:
                found[obj.get_absolute_url()] = f"{model._meta.label_lower} detail"
            except Exception:  # noqa: S112 - a model whose URL needs more context is skipped
                continue
    return found


def search_paths() -> dict[str, str]:
    """Searches a detective types: a purchaser's name, a serial, a trace and an incident number."""
    from portal.incidents.models import Incident
    from tracing.models import Firearm, PersonMention, Trace

    found: dict[str, str] = {}
    for first, last in PersonMention.objects.exclude(last_name="").values_list(
        "first_name", "last_name"
    )[:5]:
        found[f"/search/?q={quote_plus(f'{first} {last}')}"] = "search: name"
    for serial in Firearm.objects.exclude(serial_as_written="").values_list(
        "serial_as_written", flat=True
    )[:5]:
        found[f"/search/?q={quote_plus(serial)}"] = "search: serial"
    for number in Trace.objects.values_list("trace_number", flat=True)[:3]:
        found[f"/search/?q={quote_plus(number)}"] = "search: record number"
    for number in Incident.objects.values_list("incident_number", flat=True)[:3]:
        found[f"/search/?q={quote_plus(number)}"] = "search: record number"
    return found


def build_plan() -> dict[str, Any]:
    from django.test import Client

    from portal.models import User
    from tests.conftest import login

    details = {**record_paths(), **search_paths()}
    plan: dict[str, Any] = {}
    missing: set[str] = set()
    for role, url_names in ROLE_PAGES.items():
        user = User.objects.filter(role=role, agency__ori="MD0990100").first()
        if user is None:
            continue
        client = login(Client(), user)
        paths = []
        for url_name in url_names:
            path = resolve_page(url_name)
            if path is None:
                missing.add(url_name)
            else:
                paths.append(path)
        names = {path: path for path in paths}
        if role in ("detective", "analyst"):
            paths.extend(details)
            names.update(details)
        plan[role] = {"cookie": client.cookies["sessionid"].value, "paths": paths, "names": names}
    if missing:
        print(f"pages not in the portal yet (skipped): {', '.join(sorted(missing))}", flush=True)
    return plan


def run() -> list[Measure]:
    with bench_database():
        from django.core.management import call_command

        with timer() as seeded:
            call_command("seed_demo", "--scale", SCALE, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"seed_demo --scale {SCALE}: {seeded[0]:.0f} s", flush=True)
        plan = build_plan()
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "portal.settings.base",
            "PORTAL_LOAD_PLAN": json.dumps(plan),
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz")
            with tempfile.TemporaryDirectory() as out:
                prefix = Path(out) / "load"
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "locust",
                        "-f",
                        str(ROOT / "bench" / "locustfile.py"),
                        "--headless",
                        "-u",
                        str(USERS),
                        "-r",
                        str(max(1, USERS // 5)),
                        "-t",
                        f"{SECONDS}s",
                        "--host",
                        f"http://127.0.0.1:{port}",
                        "--csv",
                        str(prefix),
                        "--only-summary",
                        "--loglevel",
                        "WARNING",
                    ],
                    cwd=ROOT,
                    env=env,
                    check=False,
                    timeout=SECONDS + 120,
                )
                stats = read_stats(Path(f"{prefix}_stats.csv"))
        finally:
            server.terminate()
            server.wait(timeout=30)
            from django.db import connections

            connections.close_all()
    total = stats["Aggregated"]
    requests = int(total["Request Count"])
    failures = int(total["Failure Count"])
    pages = [
        Measure(
            name=f"load: {name}",
            value=(
                f"{row['Request Count']} requests, p50 {row['50%']} ms, p95 {row['95%']} ms, "
                f"p99 {row['99%']} ms, {row['Failure Count']} errors"
            ),
            target="no errors",
            passed=int(row["Failure Count"]) == 0,
        )
        for name, row in sorted(stats.items())
        if name in REPORTED_PAGES
    ]
    return [
        Measure(
            name=f"load: {USERS} users, {SECONDS} s, gunicorn 2 workers ({SCALE} demo)",
            value=(
                f"{requests} requests, {float(total['Requests/s']):.1f}/s, "
                f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms, "
                f"{failures} errors"
            ),
            target="no errors",
            reference="",
            passed=failures == 0 and requests > 0,
            peak_memory_mb=peak_memory_mb(),
        ),
        *pages,
    ]


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"The portal did not start at {url}")


def read_stats(path: Path) -> dict[str, dict[str, str]]:
    with path.open() as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}
