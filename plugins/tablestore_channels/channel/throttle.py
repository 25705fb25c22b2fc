"""Byte throttle for ``setting.speed.mbps``."""

from __future__ import annotations

import time
from collections.abc import Callable


class ByteThrottle:
    """Keeps the average rate at or under ``bytes_per_second`` (None = unlimited), sleeping
    when the bytes so far run ahead of the clock."""

    def __init__(self, bytes_per_second: float | None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = bytes_per_second
        self.clock = clock
        self.sleep = sleep
        self.started = clock()
        self.total = 0

    def consume(self, size: int) -> None:
        if not self.rate:
            return
        self.total += size
        ahead = self.total / self.rate - (self.clock() - self.started)
        if ahead > 0.01:  # sleeping in tiny slices costs more than it smooths
            self.sleep(ahead)
