"""Timing helpers the benchmarks share: wall and CPU milliseconds per call, percentiles, medians of rounds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence


def timed(
    calls: Sequence[Callable[[], object]], before: Callable[[], object] | None = None
) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds (this process) of each call; ``before`` runs untimed ahead of each."""
    walls, cpus = [], []
    for call in calls:
        if before is not None:
            before()
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    return walls, cpus


def percentiles(times: list[float]) -> tuple[float, float]:
    """p50 and p95 of the times."""
    cuts = statistics.quantiles(times, n=100) if len(times) > 1 else [times[0]] * 99
    return cuts[49], cuts[94]


def median_percentiles(rounds: list[list[float]]) -> tuple[float, float]:
    """Median over rounds of each round's p50 and p95."""
    cuts = [percentiles(times) for times in rounds]
    return statistics.median(c[0] for c in cuts), statistics.median(c[1] for c in cuts)
