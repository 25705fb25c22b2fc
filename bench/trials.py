"""Trials of a benchmark on a shared machine: each figure measured several times, the raw loop and
the loop under test side by side in every trial (their order alternating), so that a ratio is
taken within one trial and the median over trials is the figure to trust.

Why (issue 16): on the 2-core VM the benchmarks ran on, the same pure-Python loop took 0.6 s or
1.2 s a minute apart with nothing else running, so a raw loop timed alone moved between 8.7k and
32k changes/s from one run to the next; a ratio of two loops timed together moves far less."""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Sequence


def load() -> str:
    """The 1-minute load average, to print beside each trial (2 cores: above 2 means waiting)."""
    return f"{os.getloadavg()[0]:.1f}"


def interleaved(trial: int, steps: Sequence[Callable[[], None]]) -> None:
    """Run ``steps`` in order on even trials and reversed on odd ones, so neither side always
    runs first (on a cold server, or just after a load spike)."""
    for step in steps if trial % 2 == 0 else reversed(steps):
        step()


def median_line(label: str, values: Sequence[float], digits: int = 3) -> str:
    return (f"{label}: median {round(statistics.median(values), digits)} of {len(values)} trials "
            f"(min {round(min(values), digits)}, max {round(max(values), digits)})")
