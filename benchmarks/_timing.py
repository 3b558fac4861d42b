"""Shared timing for the benchmarks: interleaved repeats, medians, ratios."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def interleaved_medians(
    candidates: dict[str, Callable[[], object]], *, repeats: int = 15, warmup: int = 2
) -> dict[str, float]:
    """Median seconds per call of each candidate, measured in turns.

    Candidates run one after another in every round, so load on the shared
    machine hits all of them alike; the median drops the outliers.
    """
    for fn in candidates.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) for name, times in samples.items()}


def print_ratios(medians: dict[str, float], baseline: str, *, unit: str = "ms") -> None:
    """Prints each candidate's median and its ratio to ``baseline``."""
    scale = {"ms": 1e3, "us": 1e6, "s": 1.0}[unit]
    width = max(map(len, medians))
    for name, seconds in medians.items():
        print(
            f"{name:<{width}}  {seconds * scale:10.3f} {unit}"
            f"  ratio {seconds / medians[baseline]:.3f}x {baseline}"
        )
