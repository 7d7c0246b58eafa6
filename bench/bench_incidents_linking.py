"""Incidents and ShotSpotter alerts: bulk import and linking, and the live feed's latency.

1. 10,000 incidents and 40,000 alerts (synthetic CSV files in a made-up city)
   imported through the same job handlers as the upload page, and linked
   (alert to incident, alert to alert, shooting events): under 30 s.
2. One alert posted to POST /api/v1/shotspotter/alerts/ until its links are
   in the database, with a real `celery -A portal worker` subprocess on Redis:
   p95 under 1 s over at least 200 alerts.

Needs Redis for the broker: REDIS_URL, or else the local server at
redis://127.0.0.1:6379 when it answers (its database 14, so a bare `make bench`
measures it); and a PostgreSQL DATABASE_URL. The benchmark runs on its own fresh
database (test_<name>).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.harness import bench_database, timer
from bench.report import Measure, peak_memory_mb

INCIDENTS = 10_000
ALERTS = 40_000
LIVE_ALERTS = 220
CENTRE = (41.8781, -87.6298)
SPREAD_M = 10_000.0
IMPORT_TARGET_S = 30.0
LIVE_TARGET_MS = 1000.0
START = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
LOCAL_REDIS = "redis://127.0.0.1:6379/14"
CITY_TZ = ZoneInfo("America/Chicago")


def _write_files(folder: Path, rng: random.Random) -> tuple[Path, Path, list[str]]:
    from portal.incidents.geo import offset

    incidents_path = folder / "incidents.csv"
    alerts_path = folder / "alerts.csv"
    incidents = []
    with incidents_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["CCN", "START_DATE", "OFFENSE", "METHOD", "BLOCK", "LATITUDE", "LONGITUDE"]
        )
        for index in range(INCIDENTS):
            when = START + dt.timedelta(minutes=rng.uniform(0, 365 * 24 * 60))
            lat, lon = offset(
                *CENTRE,
                north_m=rng.uniform(-SPREAD_M, SPREAD_M),
                east_m=rng.uniform(-SPREAD_M, SPREAD_M),
            )
            incidents.append((when, lat, lon))
            writer.writerow(
                [
                    f"B{index:07d}",
                    when.isoformat(),
                    "ASSAULT W/DANGEROUS WEAPON",
                    "GUN",
                    f"{rng.randint(1, 99) * 100} BLOCK OF BENCH ST",
                    f"{lat:.6f}",
                    f"{lon:.6f}",
                ]
            )
    planted: list[str] = []
    with alerts_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ID", "Type", "Date", "Time", "Latitude", "Longitude", "Rounds"])
        for index in range(ALERTS):
            if index % 3 == 0:
                # Near a reported shooting, in space and time.
                when, lat, lon = rng.choice(incidents)
                when = when + dt.timedelta(minutes=rng.uniform(-20, 10))
                lat, lon = offset(
                    lat, lon, north_m=rng.uniform(-80, 80), east_m=rng.uniform(-80, 80)
                )
                planted.append(f"BA{index:07d}")
            else:
                when = START + dt.timedelta(minutes=rng.uniform(0, 365 * 24 * 60))
                lat, lon = offset(
                    *CENTRE,
                    north_m=rng.uniform(-SPREAD_M, SPREAD_M),
                    east_m=rng.uniform(-SPREAD_M, SPREAD_M),
                )
            local = when.astimezone(CITY_TZ)
            writer.writerow(
                [
                    f"BA{index:07d}",
                    rng.choice(["Single_Gunshot", "Multiple_Gunshots"]),
                    f"{local.month}/{local.day}/{local.year}",
                    f"{local:%H:%M:%S}",
                    f"{lat:.6f}",
                    f"{lon:.6f}",
                    rng.randint(1, 9),
                ]
            )
    return incidents_path, alerts_path, planted


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}{port}/{s['NAME']}"


def _import_and_link(folder: Path, rng: random.Random) -> tuple[float, dict[str, Any]]:
    from django.conf import settings

    from portal.celery import app
    from portal.choices import JobStatus
    from portal.imports import import_run_now
    from portal.incidents.models import AlertIncidentLink, AlertPairLink, ShootingEvent
    from portal.models import Agency, Job

    incidents_path, alerts_path, planted = _write_files(folder, rng)
    agency = Agency.objects.create(name="Bench City Police", ori="IL0990100", state="IL")
    # Linking runs in this process (eager) so that its time is inside the measure.
    app.conf.task_always_eager = True
    settings.TIME_ZONE = CITY_TZ.key
    with timer() as took:
        incident_job = import_run_now(agency=agency, kind="incidents", path=incidents_path)
        alert_job = import_run_now(agency=agency, kind="shotspotter", path=alerts_path)
    app.conf.task_always_eager = False
    for job in (incident_job, alert_job):
        assert job.status == JobStatus.SUCCEEDED, job.message
    link_jobs = Job.objects.filter(kind="incidents-link")
    assert all(job.status == JobStatus.SUCCEEDED for job in link_jobs)
    facts: dict[str, Any] = {
        "seconds_per_job": {
            f"{job.kind} {job.pk}": round((job.finished_at - job.started_at).total_seconds(), 1)
            for job in Job.objects.order_by("pk")
            if job.started_at and job.finished_at
        },
        "incidents": incident_job.result["created"],
        "alerts": alert_job.result["created"],
        "planted_alerts": len(planted),
        "planted_alerts_linked": AlertIncidentLink.objects.filter(alert__source_id__in=planted)
        .values("alert_id")
        .distinct()
        .count(),
        "alert_incident_links": AlertIncidentLink.objects.count(),
        "alert_pairs": AlertPairLink.objects.count(),
        "shooting_events": ShootingEvent.objects.count(),
    }
    return took[0], facts


def _start_worker(log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            "linking,default",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )


def _wait_for_worker(seconds: float = 60) -> None:
    from portal.celery import app

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return
    raise RuntimeError("The Celery worker did not start")


def _live_latencies(rng: random.Random) -> list[float]:
    from django.test import Client

    from portal.incidents.geo import offset
    from portal.incidents.models import AlertIncidentLink, Incident
    from portal.models import Agency
    from portal.services import api_token_create, user_create

    agency = Agency.objects.get(ori="IL0990100")
    user = user_create(
        agency=agency, username="feed", role="analyst", password=secrets.token_urlsafe(16)
    )
    client = Client(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user)}")
    incidents = list(Incident.objects.order_by("?")[:LIVE_ALERTS])
    latencies = []
    for index, incident in enumerate(incidents):
        assert incident.occurred_at is not None
        lat, lon = offset(
            incident.latitude,
            incident.longitude,
            north_m=rng.uniform(-60, 60),
            east_m=rng.uniform(-60, 60),
        )
        payload = {
            "id": f"LIVE{index:05d}",
            "fired_at": (
                incident.occurred_at + dt.timedelta(minutes=rng.uniform(-5, 5))
            ).isoformat(),
            "latitude": round(lat, 6),
            "longitude": round(lon, 6),
            "type": "Multiple_Gunshots",
            "rounds": 5,
        }
        started = time.perf_counter()
        response = client.post(
            "/api/v1/shotspotter/alerts/", payload, content_type="application/json"
        )
        assert response.status_code == 201, response.content
        alert_id = response.json()["alerts"][0]["id"]
        deadline = started + 30
        while not AlertIncidentLink.objects.filter(alert_id=alert_id).exists():
            if time.perf_counter() > deadline:
                raise RuntimeError(f"Alert {alert_id} was not linked within 30 s")
            time.sleep(0.002)
        latencies.append(time.perf_counter() - started)
    return latencies


def _broker() -> str:
    """REDIS_URL, or the local Redis if it answers; the settings read it at setup."""
    if url := os.environ.get("REDIS_URL"):
        return url
    import redis

    try:
        redis.Redis.from_url(LOCAL_REDIS, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        raise SystemExit(
            "bench_incidents_linking needs Redis (the live part uses a real worker): "
            f"set REDIS_URL; the local {LOCAL_REDIS} did not answer ({error})."
        ) from error
    return LOCAL_REDIS


def run() -> list[Measure]:
    os.environ["REDIS_URL"] = _broker()
    rng = random.Random(2026)
    measures: list[Measure] = []
    with bench_database(), tempfile.TemporaryDirectory() as folder:
        from portal.celery import app

        seconds, facts = _import_and_link(Path(folder), rng)
        print(f"import and link: {seconds:.1f} s; {facts}")
        measures.append(
            Measure(
                name=f"import {INCIDENTS:,} incidents + {ALERTS:,} alerts and link them",
                value=f"{seconds:.1f} s",
                target=f"< {IMPORT_TARGET_S:.0f} s",
                reference=f"issue target {IMPORT_TARGET_S:.0f} s",
                ratio=f"{seconds / IMPORT_TARGET_S:.2f}",
                peak_memory_mb=peak_memory_mb(),
                passed=seconds < IMPORT_TARGET_S,
            )
        )
        app.control.purge()
        worker = _start_worker(Path(folder) / "worker.log")
        try:
            _wait_for_worker()
            latencies = _live_latencies(rng)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        latencies_ms = sorted(1000 * value for value in latencies)
        p95 = latencies_ms[int(0.95 * (len(latencies_ms) - 1))]
        median = statistics.median(latencies_ms)
        print(
            f"live alert to stored links over {len(latencies_ms)} alerts: "
            f"median {median:.0f} ms, p95 {p95:.0f} ms, max {latencies_ms[-1]:.0f} ms"
        )
        measures.append(
            Measure(
                name=f"live alert posted until its links are stored, p95 of {len(latencies_ms)}",
                value=f"{p95:.0f} ms (median {median:.0f} ms)",
                target=f"< {LIVE_TARGET_MS:.0f} ms",
                reference=f"issue target {LIVE_TARGET_MS:.0f} ms",
                ratio=f"{p95 / LIVE_TARGET_MS:.2f}",
                peak_memory_mb=peak_memory_mb(),
                passed=p95 < LIVE_TARGET_MS,
            )
        )
    return measures
