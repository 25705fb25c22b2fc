"""The plugins a job can name: the reader and writer parameter classes and where the reader or
writer that runs them lives.

Validating a job needs the parameter classes only; the implementation is imported by its dotted
path when a task builds it (:func:`implementation`), so planning a job to OSS never imports
pyodps, and this module imports no reader or writer. Adding a plugin = its folder beside the
others (``config.py`` with its parameter class, ``reader.py`` or ``writer.py`` with a class
implementing :mod:`tablestore_channels.contract`) and its line below.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from tablestore_channels.plugins.odpswriter.config import ODPSWriterConfig
from tablestore_channels.plugins.ossreader.config import OSSReaderConfig
from tablestore_channels.plugins.osswriter.config import OSSWriterConfig
from tablestore_channels.plugins.otsreader.config import OTSReaderConfig
from tablestore_channels.plugins.otsreplaywriter.config import OTSReplayWriterConfig
from tablestore_channels.plugins.otsstreamreader.config import OTSStreamReaderConfig
from tablestore_channels.plugins.otswriter.config import OTSWriterConfig
from tablestore_channels.plugins.pointintimereader.config import PointInTimeReaderConfig


@dataclass(frozen=True)
class Plugin:
    """``config``: the parameter class (``from_parameter``); ``implementation``:
    ``module:Class`` of its reader or writer (``Class.from_connections`` builds it)."""

    config: type
    implementation: str


READERS: dict[str, Plugin] = {
    "ots": Plugin(OTSReaderConfig, "tablestore_channels.plugins.otsreader.reader:OTSRangeReader"),
    "otsstream": Plugin(OTSStreamReaderConfig, "tablestore_channels.plugins.otsstreamreader.reader:OTSStreamReader"),
    "oss": Plugin(OSSReaderConfig, "tablestore_channels.plugins.ossreader.reader:OSSReader"),
    "pointintime": Plugin(PointInTimeReaderConfig, "tablestore_channels.plugins.pointintimereader.reader:PointInTimeReader"),
}
WRITERS: dict[str, Plugin] = {
    "oss": Plugin(OSSWriterConfig, "tablestore_channels.plugins.osswriter.writer:OSSWriter"),
    "odps": Plugin(ODPSWriterConfig, "tablestore_channels.plugins.odpswriter.writer:ODPSWriter"),
    "ots": Plugin(OTSWriterConfig, "tablestore_channels.plugins.otswriter.writer:OTSWriter"),
    "otsreplay": Plugin(OTSReplayWriterConfig, "tablestore_channels.plugins.otsreplaywriter.writer:OTSReplayWriter"),
}


def implementation(plugin: Plugin) -> type[Any]:
    """The reader or writer class of ``plugin``, imported now."""
    module, _, name = plugin.implementation.partition(":")
    return getattr(importlib.import_module(module), name)
