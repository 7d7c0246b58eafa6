"""Run every benchmark in its own process and write bench/REPORT.md.

Each benchmark's measures are kept in bench/results/<name>.json with the
time, the commit and how long it ran; the report is built from the kept
results of every benchmark, so `python -m bench bench_x` re-runs one and
the report shows it beside the others (each row says when it was run).
`python -m bench --report` only rebuilds the report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def discover() -> list[str]:
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def _git(*args: str) -> str:
    found = subprocess.run(
        ["git", *args], cwd=HERE.parent, capture_output=True, text=True, check=False
    )
    return found.stdout.strip()


def _commit() -> str:
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    return f"{commit}+changes" if _git("status", "--porcelain", "--untracked-files=no") else commit


def run_one(name: str) -> list[dict[str, Any]]:
    """Each benchmark runs in a fresh process so its peak memory is its own."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.base", "PYTHONUNBUFFERED": "1"}
    commit = _commit()  # the code under test: what is checked out when it starts
    started = time.perf_counter()
    # Streamed, not captured: a long benchmark shows its progress as it goes.
    measures: list[dict[str, Any]] = []
    with subprocess.Popen(
        [sys.executable, "-m", "bench.single", name],
        cwd=HERE.parent,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("MEASURE "):
                measures.append(json.loads(line[len("MEASURE ") :]))
            else:
                print(line, end="", flush=True)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        # A negative code is the signal that ended it (-9: killed, e.g. out of memory).
        measures.append(
            {
                "name": name,
                "value": f"FAILED (exit code {process.returncode})",
                "target": "",
                "reference": "",
                "passed": False,
            }
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(
        json.dumps(
            {
                "name": name,
                "finished": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
                "commit": commit,
                "seconds": round(seconds),
                "measures": measures,
            },
            indent=1,
        )
    )
    return measures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="benchmark names (default: all)")
    parser.add_argument("--report", action="store_true", help="only rebuild the report")
    args = parser.parse_args()
    names = [] if args.report else args.only or discover()
    for name in names:
        print(f"== {name}", flush=True)
        for measure in run_one(name):
            print(
                f"   {measure['name']}: {measure['value']}"
                f"  (target {measure.get('target') or '-'}, "
                f"reference {measure.get('reference') or '-'}"
                f", ratio {measure.get('ratio') or '-'})",
                flush=True,
            )
    write_report()


def _met(passed: object) -> str:
    return {True: "yes", False: "**no**"}.get(passed, "")  # type: ignore[call-overload]


def write_report() -> None:
    runs = [
        json.loads((RESULTS / f"{name}.json").read_text())
        for name in discover()
        if (RESULTS / f"{name}.json").exists()
    ]
    lines = [
        "# Benchmark report",
        "",
        f"- written: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "",
        "| benchmark | run at | commit | took |",
        "|---|---|---|---|",
        *(
            f"| {run['name']} | {run['finished']} | {run['commit']} | {run['seconds']} s |"
            for run in runs
        ),
        "",
        "| measure | this run | target | met | reference | ratio | peak memory (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for row in run["measures"]:
            memory = row.get("peak_memory_mb")
            lines.append(
                f"| {row['name']} | {row['value']} | {row.get('target', '')} | "
                f"{_met(row.get('passed'))} | {row.get('reference', '')} | "
                f"{row.get('ratio', '')} | {'' if memory is None else f'{memory:.0f}'} |"
            )
    if not runs:
        lines.append("| (no benchmark yet) | | | | | | |")
    (HERE / "REPORT.md").write_text("\n".join(lines) + "\n")
    print(f"Report written to {HERE / 'REPORT.md'}")


if __name__ == "__main__":
    main()
