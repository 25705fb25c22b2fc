"""How far a stream sync has fallen behind, against how long the stream keeps its changes.

A table's stream keeps each change for its expiration time (DescribeStream; 24 h in the seed).
The sync's newest committed window ended at the time of its newest checkpoint set in the status
table (:mod:`stream_checkpoints`): every change after that is still waiting to be exported, and
the oldest of them leaves the stream ``expiration`` after that end. A sync that is paused,
failing or slower than the writes loses changes for good once ``now`` passes that moment,
silently until a window reaches back past the retention. :func:`check` says so well before.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from tablestore_channels.ots_client.client import TablestoreClient
from tablestore_channels.plugins.otsstreamreader.checkpoints import CheckpointStore
from tablestore_channels.plugins.otsstreamreader.reader import HOUR_MS, describe_stream_table
from tablestore_channels.retrying import Retry


@dataclass(frozen=True)
class StreamLag:
    """Where a table's stream sync stands at ``now_ms``: its newest committed window's end
    (None: none committed yet) and the stream's expiration."""

    table: str
    now_ms: int
    newest_end_ms: int | None
    expiration_hours: int

    @property
    def lag_ms(self) -> int | None:
        return None if self.newest_end_ms is None else self.now_ms - self.newest_end_ms

    @property
    def time_left_ms(self) -> int | None:
        """Until the oldest change not yet exported leaves the stream."""
        return None if self.newest_end_ms is None else self.newest_end_ms + self.expiration_hours * HOUR_MS - self.now_ms


def stream_lag(client: TablestoreClient, retry: Retry, table: str, status_table: str,
               clock: Callable[[], float] = time.time) -> StreamLag:
    _, stream_id = describe_stream_table(client, retry, table)
    page = retry.call("DescribeStream", client.describe_stream, stream_id, None, 1)
    newest = CheckpointStore(client, status_table, retry).newest_time(stream_id)
    return StreamLag(table, int(clock() * 1000), newest, page.expiration_time_hours)


def check(lag: StreamLag, max_lag_minutes: float, retention_share: float) -> str | None:
    """The alert for ``lag`` (None: the sync keeps up): when no window was committed, when the
    newest ended more than ``max_lag_minutes`` ago, or more than ``retention_share`` of the
    stream's expiration ago."""
    way_out = ("Fix: resume the stream sync (unpause it, clear its failed run) so it catches up window by window "
               "before then; if it cannot, take a full export of the table now and restart the sync from it.")
    if lag.newest_end_ms is None or lag.lag_ms is None or lag.time_left_ms is None:
        return (f"table {lag.table!r}: the stream sync has committed no window yet (no checkpoint of its stream in "
                f"the status table), so nothing tells how far behind it is; the stream keeps changes for "
                f"{lag.expiration_hours} h. Fix: run the stream sync (unpause it), or check the table and status "
                "table this guard watches.")
    limit_ms = min(max_lag_minutes * 60_000, retention_share * lag.expiration_hours * HOUR_MS)
    if lag.lag_ms <= limit_ms:
        return None
    lost_at = dt.datetime.fromtimestamp((lag.now_ms + lag.time_left_ms) / 1000, dt.UTC)
    return (f"table {lag.table!r}: the stream sync's newest committed window ended {_span(lag.lag_ms)} ago "
            f"({dt.datetime.fromtimestamp(lag.newest_end_ms / 1000, dt.UTC):%Y-%m-%d %H:%M:%S} UTC; alert past "
            f"{_span(round(limit_ms))}). The stream keeps changes for {lag.expiration_hours} h: the oldest change not "
            + (f"yet exported leaves it in {_span(lag.time_left_ms)}, at {lost_at:%Y-%m-%d %H:%M:%S} UTC, and is then "
               "lost for good. " if lag.time_left_ms > 0 else
               f"yet exported left it {_span(-lag.time_left_ms)} ago: changes are being lost. ") + way_out)


def _span(ms: int) -> str:
    minutes = round(ms / 60_000)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
