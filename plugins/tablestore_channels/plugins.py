"""The reader and writer plugins a job can name, and how each is built.

A reader plans splits and reads one; a writer prepares the target, writes the splits and commits
(DataX's Job/Task split). Adding a channel = a config class, a reader or writer class with these
methods, and one line in each table below.

Reader: ``plan(concurrency) -> (descriptors, column names)``, ``read(descriptor) -> records``.
A reader that keeps positions (the stream reader) also has ``read_result() -> JSON`` (after
``read``, added to the split's result) and ``commit(read results, run details) -> summary``,
called after the writer's commit.
Writer: ``prepare(columns) -> context``; ``open_split(index, columns, context)`` returning a sink
with ``write(record) -> bytes``, ``write_dirty(line)``, ``close() -> result``, ``abort()``;
``commit(results, run details, context) -> summary``. A sink that writes in batches also has
``collect_dirty(dirty)``: it gets the split's DirtyRecords for rows that fail after ``write()``
returned. A reader yields ``channel.transfer.Rejected`` for a record it cannot decode. A writer
whose splits leave output visible before the commit also has ``discard()``: the cleanup teardown
calls it after every run, and it removes the run's output unless the run committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tablestore_channels.config.odps_writer import ODPSWriterConfig
from tablestore_channels.config.oss_reader import OSSReaderConfig
from tablestore_channels.config.oss_writer import OSSWriterConfig
from tablestore_channels.config.ots_reader import OTSReaderConfig
from tablestore_channels.config.ots_stream_reader import OTSStreamReaderConfig
from tablestore_channels.config.ots_writer import OTSWriterConfig
from tablestore_channels.readers.oss import OSSReader
from tablestore_channels.readers.ots_range import OTSRangeReader
from tablestore_channels.readers.ots_stream import OTSStreamReader
from tablestore_channels.writers.oss import OSSWriter
from tablestore_channels.writers.ots import OTSWriter


@dataclass(frozen=True)
class Plugin:
    """``config``: the parameter class (``from_parameter``); ``build(config, connections,
    run_key)``: the reader or writer."""

    config: type
    build: Callable[[Any, Any, str], Any]


READERS: dict[str, Plugin] = {
    "ots": Plugin(OTSReaderConfig, lambda config, conns, run_key: OTSRangeReader(conns.tablestore(config), config)),
    "otsstream": Plugin(OTSStreamReaderConfig,
                        lambda config, conns, run_key: OTSStreamReader(conns.tablestore(config), config)),
    "oss": Plugin(OSSReaderConfig, lambda config, conns, run_key: OSSReader(conns.oss_bucket(config), config)),
}
WRITERS: dict[str, Plugin] = {
    "oss": Plugin(OSSWriterConfig, lambda config, conns, run_key: OSSWriter(conns.oss_bucket(config), config, run_key)),
    "odps": Plugin(ODPSWriterConfig, lambda config, conns, run_key: _odps_writer(config, conns, run_key)),
    "ots": Plugin(OTSWriterConfig, lambda config, conns, run_key: OTSWriter(conns.tablestore(config), config)),
}


def _odps_writer(config, conns, run_key: str):
    # pyodps (and pandas with it) takes seconds to import: only tasks that write to MaxCompute pay
    from tablestore_channels.writers.odps import ODPSWriter

    return ODPSWriter(conns.maxcompute(config), config, run_key)
