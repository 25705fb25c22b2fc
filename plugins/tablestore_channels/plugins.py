"""The reader and writer plugins a job can name, and how each is built.

A reader plans splits and reads one; a writer prepares the target, writes the splits and commits
(DataX's Job/Task split). Adding a channel = a config class, a reader or writer class with these
methods, and one line in each table below.

Reader: ``plan(concurrency) -> (descriptors, column names)``, ``read(descriptor) -> records``.
Writer: ``prepare(columns) -> context``; ``open_split(index, columns, context)`` returning a sink
with ``write(record) -> bytes``, ``write_dirty(line)``, ``close() -> result``, ``abort()``;
``commit(results, run details, context) -> summary``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tablestore_channels.config.oss_writer import OSSWriterConfig
from tablestore_channels.config.ots_reader import OTSReaderConfig
from tablestore_channels.readers.ots_range import OTSRangeReader
from tablestore_channels.writers.oss import OSSWriter


@dataclass(frozen=True)
class Plugin:
    """``config``: the parameter class (``from_parameter``); ``build(config, connections,
    run_key)``: the reader or writer."""

    config: type
    build: Callable[[Any, Any, str], Any]


READERS: dict[str, Plugin] = {
    "ots": Plugin(OTSReaderConfig, lambda config, conns, run_key: OTSRangeReader(conns.tablestore(config), config)),
}
WRITERS: dict[str, Plugin] = {
    "oss": Plugin(OSSWriterConfig, lambda config, conns, run_key: OSSWriter(conns.oss_bucket(config), config, run_key)),
}
