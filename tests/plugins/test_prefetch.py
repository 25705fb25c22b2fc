"""A page fetch the reader will never read stops retrying once the reader has left."""

from __future__ import annotations

import threading
import time

import pytest

from tablestore_channels.ots_client import keys
from tablestore_channels.plugins.otsreader.config import OTSReaderConfig
from tablestore_channels.plugins.otsreader.reader import OTSRangeReader, RangeSplit, TableInfo
from tablestore_channels.plugins.prefetch import Abandoned, abandoned_on_leaving
from tablestore_channels.retrying import Retry


def test_retries_end_at_the_first_pause_after_the_caller_gave_up():
    pauses: list[float] = []
    fetching = abandoned_on_leaving(Retry(lambda error: True, max_retries=100, sleep=pauses.append))
    retry = fetching.__enter__()
    attempts = 0

    def failing() -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 3:
            fetching.__exit__(None, None, None)  # the reader leaves
        raise ConnectionError("down")

    with pytest.raises(Abandoned):
        retry.call("GetRange", failing)
    assert attempts == 3 and len(pauses) == 2  # the pause after the third attempt was not taken


class DownAfterFirstPage:
    """A client whose first GetRange answers a page with more to come, and every later one fails."""

    def __init__(self) -> None:
        self.calls = 0

    def get_range(self, *args, **kwargs):
        self.calls += 1
        if self.calls == 1:
            return None, [("id", "m")], [], None
        raise ConnectionError("the server went away")


def test_a_reader_that_leaves_stops_its_pending_fetch():
    client = DownAfterFirstPage()
    reader = OTSRangeReader(client, OTSReaderConfig(table="t", columns=()),
                            retry=Retry(lambda error: True, max_retries=10_000, pause_ms=5))
    table = TableInfo("t", (("id", "STRING"),), ("v",), ("STRING",))
    others = set(threading.enumerate())  # (other tests' fetches may still run in this process)
    pages = reader.read_range(table, RangeSplit(0, (keys.OPEN_MIN,), (keys.OPEN_MAX,)))
    assert list(next(pages)) == []
    time.sleep(0.2)  # the next page's fetch is failing and retrying meanwhile
    assert client.calls > 1
    fetches = [t for t in threading.enumerate() if t.name == "getrange" and t not in others]
    assert fetches
    pages.close()  # the split is given up (an error downstream, a timeout)
    for fetch in fetches:
        fetch.join(timeout=10)
    assert not any(fetch.is_alive() for fetch in fetches)
    calls = client.calls
    time.sleep(0.3)
    assert client.calls == calls
