"""The job's ``setting`` block: ``errorLimit`` and ``speed``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tablestore_channels.config.parameters import Parameters
from tablestore_channels.errors import ConfigError


@dataclass(frozen=True)
class ErrorLimit:
    """How many dirty records a run may have.

    ``record``: at most this many (0 = fail on the first). ``percentage``: at most this share of
    the records read (0..1), checked at the end; ignored when ``record`` is set, as in DataX.
    Neither set: no dirty record is allowed.
    """

    record: int | None = 0
    percentage: float | None = None

    def allows(self, dirty: int, total: int) -> bool:
        if self.record is not None:
            return dirty <= self.record
        if self.percentage is not None:
            return dirty <= self.percentage * max(total, 0)
        return dirty == 0

    def describe(self) -> str:
        if self.record is not None:
            return f"errorLimit.record={self.record}"
        return f"errorLimit.percentage={self.percentage}"


@dataclass(frozen=True)
class Speed:
    """As in DataX: ``concurrent`` is how many splits run at once, and ``mbps`` the byte throttle
    of the whole job in MB/s (None = unlimited). A plan has at most ``concurrent`` splits (readers
    pack their work into that many), so every split may run at once and each gets an equal
    share of ``mbps``."""

    mbps: float | None = None
    concurrent: int = 1

    def bytes_per_second_per_split(self, splits: int) -> float | None:
        if self.mbps is None:
            return None
        return self.mbps * 1024 * 1024 / max(1, min(splits, self.concurrent))


@dataclass(frozen=True)
class JobSetting:
    error_limit: ErrorLimit = ErrorLimit()
    speed: Speed = Speed()

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None, path: str = "setting") -> JobSetting:
        params = Parameters(raw or {}, path, allowed=("errorLimit", "speed"))
        limit = Parameters(params.mapping("errorLimit", {}), params.key("errorLimit"), allowed=("record", "percentage"))
        speed = Parameters(params.mapping("speed", {}), params.key("speed"),
                           allowed=("mbps", "concurrent", "channel", "byte", "throttle"))
        record = limit.integer("record", None, minimum=0)
        percentage = limit.number("percentage", None, minimum=0)
        if percentage is not None and percentage > 1:
            raise ConfigError(limit.key("percentage"), f"must be within 0..1, got {percentage}.")
        concurrent = speed.integer("concurrent", None, minimum=1)
        if concurrent is None:
            concurrent = speed.integer("channel", 1, minimum=1)
        mbps: float | None = speed.number("mbps", None, minimum=0)
        if mbps is None and speed.has("byte"):  # DataX's bytes per second
            mbps = speed.number("byte", minimum=0) / (1024 * 1024)
        if speed.has("throttle") and not speed.boolean("throttle"):
            mbps = None
        return cls(
            error_limit=ErrorLimit(record=record if record is not None or percentage is not None else 0,
                                   percentage=percentage),
            speed=Speed(mbps=mbps or None, concurrent=concurrent),
        )
