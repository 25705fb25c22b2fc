"""Progress lines in the task log about every 10 seconds, and the final summary."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Progress:
    def __init__(self, label: str, interval: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self.next_report = self.started + interval
        self.rows = 0
        self.bytes = 0

    def add(self, rows: int, size: int) -> None:
        self.rows += rows
        self.bytes += size
        if self.clock() >= self.next_report:
            self.report("progress")
            self.next_report += self.interval

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    def report(self, what: str) -> None:
        elapsed = max(self.elapsed, 1e-9)
        log.info("%s %s: %d rows, %.0f rows/s, %.1f MB written, %.1f s", self.label, what, self.rows,
                 self.rows / elapsed, self.bytes / 1e6, elapsed)
