"""speed.mbps: the byte throttle, driven by a fake clock (no timed tests)."""

from __future__ import annotations

import pytest

from tablestore_channels.channel.throttle import ByteThrottle
from tablestore_channels.config.setting import JobSetting

CHUNK = 64 * 1024
MB = 1024 * 1024


class FakeClock:
    """Time moves by ``work`` seconds per chunk written, and by whatever the throttle sleeps."""

    def __init__(self, work: float = 0.001) -> None:
        self.now = 100.0
        self.work = work
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds
        self.slept += seconds


def _elapsed(bytes_per_second: float | None, total: int = 8 * MB) -> tuple[float, FakeClock]:
    clock = FakeClock()
    throttle = ByteThrottle(bytes_per_second, clock=clock, sleep=clock.sleep)
    start = clock.now
    for _ in range(total // CHUNK):
        clock.now += clock.work
        throttle.consume(CHUNK)
    return clock.now - start, clock


def test_unlimited_never_sleeps():
    elapsed, clock = _elapsed(None)
    assert clock.slept == 0 and elapsed == pytest.approx(0.128)


@pytest.mark.parametrize("mbps", [1, 2.5, 16])
def test_throttled_run_keeps_the_average_rate(mbps):
    elapsed, clock = _elapsed(mbps * MB)
    assert elapsed == pytest.approx(8 / mbps, abs=0.02)  # 8 MB at mbps MB/s
    assert clock.slept > 0


def test_faster_than_the_work_itself_is_never_slowed():
    elapsed, clock = _elapsed(1000 * MB)
    assert clock.slept == 0 and elapsed == pytest.approx(0.128)


def test_job_setting_drives_the_throttle_per_split():
    speed = JobSetting.from_dict({"speed": {"mbps": "4", "concurrent": "2"}}).speed
    elapsed, _ = _elapsed(speed.bytes_per_second_per_split(2))
    assert elapsed == pytest.approx(4.0, abs=0.02)  # each of 2 splits gets 2 MB/s
