"""The plugins a job can name: the reader and writer parameter classes and where the reader or
writer that runs them lives.

Validating a job needs the parameter classes only; the implementation is imported by its dotted
path when a task builds it (:func:`implementation`), so planning a job to OSS never imports
pyodps, and this module imports no reader or writer. Adding a plugin = its parameter class, its
module (a class implementing :mod:`tablestore_channels.contract`) and one line below.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from tablestore_channels.config.odps_writer import ODPSWriterConfig
from tablestore_channels.config.oss_reader import OSSReaderConfig
from tablestore_channels.config.oss_writer import OSSWriterConfig
from tablestore_channels.config.ots_reader import OTSReaderConfig
from tablestore_channels.config.ots_replay_writer import OTSReplayWriterConfig
from tablestore_channels.config.ots_stream_reader import OTSStreamReaderConfig
from tablestore_channels.config.ots_writer import OTSWriterConfig
from tablestore_channels.config.point_in_time_reader import PointInTimeReaderConfig


@dataclass(frozen=True)
class Plugin:
    """``config``: the parameter class (``from_parameter``); ``implementation``:
    ``module:Class`` of its reader or writer (``Class.from_connections`` builds it)."""

    config: type
    implementation: str


READERS: dict[str, Plugin] = {
    "ots": Plugin(OTSReaderConfig, "tablestore_channels.readers.ots_range:OTSRangeReader"),
    "otsstream": Plugin(OTSStreamReaderConfig, "tablestore_channels.readers.ots_stream:OTSStreamReader"),
    "oss": Plugin(OSSReaderConfig, "tablestore_channels.readers.oss:OSSReader"),
    "pointintime": Plugin(PointInTimeReaderConfig, "tablestore_channels.readers.point_in_time:PointInTimeReader"),
}
WRITERS: dict[str, Plugin] = {
    "oss": Plugin(OSSWriterConfig, "tablestore_channels.writers.oss:OSSWriter"),
    "odps": Plugin(ODPSWriterConfig, "tablestore_channels.writers.odps:ODPSWriter"),
    "ots": Plugin(OTSWriterConfig, "tablestore_channels.writers.ots:OTSWriter"),
    "otsreplay": Plugin(OTSReplayWriterConfig, "tablestore_channels.writers.ots_replay:OTSReplayWriter"),
}


def implementation(plugin: Plugin) -> type[Any]:
    """The reader or writer class of ``plugin``, imported now."""
    module, _, name = plugin.implementation.partition(":")
    return getattr(importlib.import_module(module), name)
