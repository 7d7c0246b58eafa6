"""Run one benchmark module: `python -m bench.single bench_name`.

A benchmark module defines `run() -> list[Measure]`; it may set up Django
itself (most do, through bench.django_setup()).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys


def main(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    for measure in module.run():
        print("MEASURE " + json.dumps(dataclasses.asdict(measure)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
