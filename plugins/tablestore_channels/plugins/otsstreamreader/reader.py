"""OTSStreamReader: the changes a table's stream committed in one window ``[start, end)``.

A record belongs to the window by its commit time (sequence info, µs, compared in ms), never by
its cell versions. Per shard:

- **Position.** At the checkpoint saved at the window start (the previous window's end) if a
  complete set exists; otherwise by time (GetShardIterator with the start), the fallback for
  windows that do not line up, lost checkpoints and schedule changes (DataX issue #609). Records
  before ``start`` are skipped either way.
- **Stop.** At the first record with time >= ``end``; its position (an iterator plus the records
  to skip in that batch) is where the next window resumes. A shard read to its end is finished;
  a shard caught up with the present resumes where it stopped.
- **Order.** A child shard is read only after all its parents were read to their end in this
  window (see :mod:`tablestore_channels.plugins.otsstreamreader.shard_lineage`: a lineage stays in one split).

Checkpoints move only after the output is committed: each split reports its shards' positions,
and :meth:`OTSStreamReader.commit` (called by the job after the writer's commit) saves them keyed
at the window end. Planning a window first deletes any set already keyed at its end, so a rerun
repeats identically.

Refusals: a window ending later than ``now - lagMinutes`` (changes still settle), and a window
reaching back past the stream's retention (OTSTrimmedDataAccess, or a start older than the
retention when positioning by time) unless ``allowDataLoss``.
"""

from __future__ import annotations

import functools
import itertools
import logging
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any

from tablestore import OTSServiceError

from tablestore_channels.backup_layout import WindowSource, iso
from tablestore_channels.contract import CheckpointingReader, Connections, DescribedReader, PagedReader
from tablestore_channels.errors import ConfigError, PreconditionError
from tablestore_channels.ots_client.client import TablestoreClient
from tablestore_channels.ots_client.models import StreamRecordBatch
from tablestore_channels.plugins.export_source import window_source
from tablestore_channels.plugins.otsstreamreader import output_records, shard_lineage
from tablestore_channels.plugins.otsstreamreader.checkpoints import FINISHED, CheckpointStore, ShardPosition
from tablestore_channels.plugins.otsstreamreader.config import MULTI_VERSION, OTSStreamReaderConfig
from tablestore_channels.plugins.prefetch import abandoned_on_leaving, in_background
from tablestore_channels.retrying import Retry, ots_retriable

log = logging.getLogger(__name__)

RECORD_LIMIT = 1000  # per GetStreamRecord; the service's and stream client's usual maximum
TRIMMED = "OTSTrimmedDataAccess"
HOUR_MS = 3600 * 1000


class OTSStreamReader(CheckpointingReader, DescribedReader, PagedReader):
    """Reads ``config.data_table``'s stream through ``client`` (with NoRetryPolicy: ``retry`` is
    the one retry loop). ``clock`` returns seconds since the epoch."""

    def __init__(self, client: TablestoreClient, config: OTSStreamReaderConfig, retry: Retry | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        if config.start_ms is None or config.end_ms is None:
            raise ConfigError(config.key("startTimestampMillis"), "the window is still a template or job "
                              "variable at run time.", "give ${start_time}/${end_time} (job files) or rendered times.")
        self.start_ms, self.end_ms = config.start_ms, config.end_ms  # the window [start, end)
        self.client = client
        self.config = config
        self.retry = retry or Retry(ots_retriable, config.max_retries, pause_ms=100)
        self.clock = clock
        self.checkpoints = CheckpointStore(client, config.status_table, self.retry)
        self._positions: dict[str, ShardPosition] = {}
        self._stream_id: str | None = None

    @classmethod
    def from_connections(cls, config: OTSStreamReaderConfig, connections: Connections, run_key: str) -> OTSStreamReader:
        return cls(connections.tablestore(config), config)

    def source(self) -> WindowSource:
        """The table, the window and the mode, for the manifest (:mod:`export_source`)."""
        return window_source(self.config)

    @property
    def window(self) -> str:
        return f"[{iso(self.start_ms)}, {iso(self.end_ms)})"

    # --- planning ----------------------------------------------------------------------------
    def plan(self, concurrency: int) -> tuple[list[dict], list[str]]:
        """Check the window and the stream, clear this window's own checkpoints (a rerun), and
        group the shards into at most ``concurrency`` splits."""
        config = self.config
        self._check_settled()
        pk_names, stream_id = self._describe_table()
        shards = self.retry.call("DescribeStream", lambda: list(self.client.iter_stream_shards(stream_id)))
        self.checkpoints.ensure_table()
        removed = self.checkpoints.delete(stream_id, self.end_ms)
        if removed:
            log.info("Rerun of window %s: removed the %d checkpoint(s) saved at its end before", self.window, removed)
        saved = self.checkpoints.load(stream_id, self.start_ms)
        if saved is None:
            log.warning("No complete checkpoint at the window start %s for stream %s: every shard is positioned "
                        "by time and records before the start are skipped (slower, same result).",
                        iso(self.start_ms), stream_id)
            saved = {}
        if any(s.shard_id not in saved for s in shards):
            self._check_retention(stream_id)
        groups = shard_lineage.assign(shard_lineage.lineages(shards), concurrency)
        descriptors = [{
            "stream_id": stream_id, "pk": pk_names,
            "shards": [{"shard_id": s.shard_id, "parents": shard_lineage.parents(s, {x.shard_id for x in shards}),
                        "position": saved[s.shard_id].to_json() if s.shard_id in saved else None} for s in group],
        } for group in groups]
        log.info("Window %s of %s: %d shard(s) in %d split(s), %d with a checkpoint", self.window,
                 config.data_table, len(shards), len(descriptors), sum(s.shard_id in saved for s in shards))
        return descriptors, self.output_columns(pk_names)

    def output_columns(self, pk_names: list[str]) -> list[str]:
        if self.config.mode != MULTI_VERSION:
            return list(self.config.columns)
        tail = [output_records.SEQUENCE_FIELD] if self.config.export_sequence_info else []
        return [*pk_names, *output_records.MULTI_VERSION_FIELDS, *tail]

    def _check_settled(self) -> None:
        latest = int(self.clock() * 1000) - self.config.lag_ms
        if self.end_ms > latest:
            raise PreconditionError(
                f"Window {self.window} of {self.config.data_table!r} ends after now - lagMinutes "
                f"({self.config.lag_minutes:g} min) = {iso(latest)}: its changes may still settle. Fix: run it "
                f"at or after {iso(self.end_ms + self.config.lag_ms)}, or choose an earlier end.",
                key=self.config.key("endTimestampMillis"))

    def _describe_table(self) -> tuple[list[str], str]:
        return describe_stream_table(self.client, self.retry, self.config.data_table, self.config.key("dataTable"))

    def _check_retention(self, stream_id: str) -> None:
        """Positioning by time cannot see trimmed records: compare the start with the retention."""
        page = self.retry.call("DescribeStream", self.client.describe_stream, stream_id, None, 1)
        horizon = int(self.clock() * 1000) - page.expiration_time_hours * HOUR_MS
        lost_from = max(self.start_ms, page.creation_time_us // 1000)
        if lost_from < horizon:
            self._data_lost(lost_from, min(horizon, self.end_ms),
                            f"the stream keeps {page.expiration_time_hours} h of changes")

    def _data_lost(self, lost_from_ms: int, lost_to_ms: int, why: str) -> None:
        message = (f"Changes of table {self.config.data_table!r} committed in [{iso(lost_from_ms)}, "
                   f"{iso(lost_to_ms)}) are no longer in its stream ({why}); window {self.window} cannot be "
                   "exported completely.")
        if not self.config.allow_data_loss:
            raise PreconditionError(f"{message} Fix: run a full export of the table (plugin ots) to recover its "
                                    "state, then resume the incremental sync from now; or set allowDataLoss: true "
                                    "to export what is left.")
        log.error("DATA LOSS accepted by allowDataLoss: %s Continuing from the oldest change kept.", message)

    # --- reading -----------------------------------------------------------------------------
    def read(self, descriptor: dict) -> Iterator[tuple]:
        """The output records of one split; afterwards :meth:`read_result` has the positions."""
        return itertools.chain.from_iterable(self.read_pages(descriptor))

    def read_pages(self, descriptor: dict) -> Iterator[Sequence[tuple]]:
        """The records of :meth:`read`, a GetStreamRecord batch at a time."""
        self._stream_id = descriptor["stream_id"]
        config = self.config
        output = (output_records.MultiVersionPage(config.export_sequence_info) if config.mode == MULTI_VERSION
                  else output_records.SingleVersionPage(config.columns))
        finished: set[str] = set()
        for shard in descriptor["shards"]:
            shard_id = shard["shard_id"]
            if not all(p in finished for p in shard["parents"]):
                # a parent holds changes at or after the end: this child's all come later
                continue
            saved = ShardPosition.from_json(shard["position"]) if shard["position"] else None
            if saved is not None and saved.finished:
                position = FINISHED
            else:
                position = yield from self._read_shard(shard_id, saved, output)
            self._positions[shard_id] = position
            if position.finished:
                finished.add(shard_id)

    def read_result(self) -> dict:
        """The split's shard positions at the window end, for :meth:`commit`."""
        return {"stream_id": self._stream_id, "positions": {k: v.to_json() for k, v in self._positions.items()}}

    def _read_shard(self, shard_id: str, saved: ShardPosition | None,
                    output: output_records.OutputPage) -> Generator[Sequence[tuple], None, ShardPosition]:
        """Yield the shard's records in the window, a batch at a time; return its position at the
        window end. The next batch is fetched while this one is converted and written."""
        # the window edges in the records' µs: t // 1000 >= edge exactly when t >= edge * 1000
        start_us, end_us = self.start_ms * 1000, self.end_ms * 1000
        iterator, skip = (saved.iterator, saved.skip) if saved else (self._iterator_at(shard_id, self.start_ms), 0)
        with abandoned_on_leaving(self.retry) as retry:
            fetch = functools.partial(self._fetch, retry)
            pending = in_background("getstreamrecord", fetch, shard_id, iterator)
            while True:
                try:
                    batch = pending.result()
                except OTSServiceError as error:
                    if error.code != TRIMMED:
                        raise
                    self._trimmed(shard_id)
                    iterator, skip = self._iterator_at(shard_id, self.start_ms), 0
                    pending = in_background("getstreamrecord", fetch, shard_id, iterator)
                    continue
                records = batch.changes
                first = min(skip, len(records))  # a batch may come shorter than the one a position was taken in
                skip -= first
                times = [record.sequence_info.timestamp_us for record in records]
                stop = next((i for i in range(first, len(records)) if times[i] >= end_us), None)
                following = batch.next_shard_iterator
                caught_up = not records and not batch.may_more_record
                if stop is None and following is not None and not caught_up:
                    pending = in_background("getstreamrecord", fetch, shard_id, following)
                end = len(records) if stop is None else stop
                output.add([record for record, time in zip(records[first:end], times[first:end]) if time >= start_us],
                           shard_id)
                page = output.take()
                if page:
                    yield page
                if stop is not None:
                    return ShardPosition(iterator, stop)
                if following is None:
                    return FINISHED
                if caught_up:
                    return ShardPosition(iterator, skip)  # caught up with the present: resume right here
                iterator = following

    def _fetch(self, retry: Retry, shard_id: str, iterator: str | None) -> StreamRecordBatch:
        # (a saved position's iterator is None only for a finished shard, which is never read)
        return retry.call(f"GetStreamRecord({shard_id})", self.client.get_stream_record, iterator, RECORD_LIMIT)

    def _iterator_at(self, shard_id: str, time_ms: int) -> str:
        log.info("Shard %s: no checkpoint, positioned by time at %s", shard_id, iso(time_ms))
        return self.retry.call(f"GetShardIterator({shard_id})", self.client.get_shard_iterator,
                               self._stream_id, shard_id, time_ms * 1000)

    def _trimmed(self, shard_id: str) -> None:
        """The checkpoint points at trimmed records: name what was lost (up to the oldest kept)."""
        oldest = self.retry.call("GetShardIterator", self.client.get_shard_iterator, self._stream_id, shard_id)
        first = self.retry.call("GetStreamRecord", self.client.get_stream_record, oldest, 1).records
        kept_from = first[0].sequence_info.timestamp_us // 1000 if first else int(self.clock() * 1000)
        self._data_lost(self.start_ms, min(max(kept_from, self.start_ms), self.end_ms),
                        f"shard {shard_id} was trimmed past its checkpoint (OTSTrimmedDataAccess)")

    # --- commit ------------------------------------------------------------------------------
    def commit(self, results: list[dict], run: dict[str, Any]) -> dict:
        """Save every split's positions keyed at the window end (after the output is committed)."""
        stream_ids = {r["stream_id"] for r in results}
        if len(stream_ids) != 1:
            raise PreconditionError(f"The splits read {len(stream_ids)} different streams {sorted(stream_ids)}; "
                                    "the stream was re-enabled during the run. Fix: rerun the window.")
        positions = {shard: ShardPosition.from_json(p) for r in results for shard, p in r["positions"].items()}
        stream_id = stream_ids.pop()
        self.checkpoints.save(stream_id, self.end_ms, positions)
        log.info("Saved %d shard checkpoint(s) of stream %s at the window end %s", len(positions), stream_id,
                 iso(self.end_ms))
        return {"checkpoint_at": iso(self.end_ms), "checkpoint_shards": len(positions),
                "window": self.window}



def describe_stream_table(client: TablestoreClient, retry: Retry, table: str,
                          key: str | None = None) -> tuple[list[str], str]:
    """The table's primary-key names and stream id; PreconditionError naming the fix (and ``key``,
    the job key of the table) when the table is missing or its stream is off."""
    try:
        desc = retry.call("DescribeTable", client.describe_table, table)
    except OTSServiceError as error:
        if error.code == "OTSObjectNotExist":
            raise PreconditionError(f"Tablestore table {table!r} does not exist in this instance. "
                                    "Fix: check the table name and the connection's instance.",
                                    key=key) from error
        raise
    details = desc.stream_details
    if details is None or not details.enable_stream or not details.stream_id:
        raise PreconditionError(f"Table {table!r} has no stream enabled. Fix: enable its stream (UpdateTable "
                                "with a StreamSpecification); changes before that cannot be exported.",
                                key=key)
    return [name for name, *_ in desc.table_meta.schema_of_primary_key], details.stream_id
