"""Run every benchmark in its own process and write bench/REPORT.md."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def run_one(name: str) -> list[dict[str, object]]:
    """Each benchmark runs in a fresh process so its peak memory is its own."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.base"}
    result = subprocess.run(
        [sys.executable, "-m", "bench.single", name],
        cwd=HERE.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        return [{"name": name, "value": "FAILED", "target": "", "reference": "", "ratio": ""}]
    lines = [line for line in result.stdout.splitlines() if line.startswith("MEASURE ")]
    for line in result.stdout.splitlines():
        if not line.startswith("MEASURE "):
            print(line)
    return [json.loads(line[len("MEASURE ") :]) for line in lines]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="benchmark names (default: all)")
    args = parser.parse_args()
    names = args.only or discover()
    rows: list[dict[str, object]] = []
    for name in names:
        print(f"== {name}", flush=True)
        measures = run_one(name)
        for measure in measures:
            print(
                f"   {measure['name']}: {measure['value']}"
                f"  (target {measure.get('target') or '-'}, "
                f"reference {measure.get('reference') or '-'}"
                f", ratio {measure.get('ratio') or '-'})",
                flush=True,
            )
        rows.extend(measures)
    write_report(rows)


def write_report(rows: list[dict[str, object]]) -> None:
    lines = [
        "# Benchmark report",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "",
        "| measure | this run | target | reference | ratio | peak memory (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        memory = row.get("peak_memory_mb")
        lines.append(
            f"| {row['name']} | {row['value']} | {row.get('target', '')} | "
            f"{row.get('reference', '')} | {row.get('ratio', '')} | "
            f"{'' if memory is None else f'{memory:.0f}'} |"
        )
    if not rows:
        lines.append("| (no benchmark yet) | | | | | |")
    (HERE / "REPORT.md").write_text("\n".join(lines) + "\n")
    print(f"Report written to {HERE / 'REPORT.md'}")


if __name__ == "__main__":
    main()
