"""What a benchmark returns, and how the runner measures peak memory."""

from __future__ import annotations

import resource
from dataclasses import dataclass


@dataclass
class Measure:
    """One row of the report: a figure beside its target and reference."""

    name: str
    value: str
    target: str = ""
    reference: str = ""
    ratio: str = ""
    peak_memory_mb: float | None = None
    passed: bool | None = None


def peak_memory_mb() -> float:
    """Peak resident memory of this process and its waited-for children, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024
