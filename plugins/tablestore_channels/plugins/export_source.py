"""The ``source`` block of an export's manifest: what an OTSReader or OTSStreamReader run read.

The readers write it (their ``source()``, through the job's commit); the point-in-time restore
reads it back to tell which exports and windows can serve a restore, and with which key:

- a full export (``plugin: ots``): the table, its key and predefined columns with their types,
  the versions and TTL it keeps, and how the export read it (mode, columns, whether the whole
  table was read at every version);
- a stream window (``plugin: otsstream``): the table, ``[start_ms, end_ms)``, the mode, and
  whether each record carries its sequence info (its commit time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tablestore_channels.backup_layout import Manifest, TableSource, WindowSource, iso
from tablestore_channels.ots_client import keys
from tablestore_channels.plugins.otsreader.config import MULTI_VERSION, OTSReaderConfig
from tablestore_channels.plugins.otsstreamreader.config import OTSStreamReaderConfig


def table_source(config: OTSReaderConfig, describe: Any) -> TableSource:
    """The block of a full export: ``describe`` is the table's DescribeTable response."""
    meta, options = describe.table_meta, describe.table_options
    whole = all(keys.is_infinite(v) for v in (*config.begin, *config.end)) and config.forward
    return TableSource(
        table=config.table, mode=config.mode, columns=tuple(c.name for c in config.columns if not c.is_constant),
        whole_table=whole and config.time_range is None, max_version=config.max_version,
        primary_key=tuple((name, kind) for name, kind, *_ in meta.schema_of_primary_key),
        defined_columns=tuple((name, kind) for name, kind, *_ in (meta.defined_columns or [])),
        table_max_versions=options.max_version, table_time_to_live=options.time_to_live)


def window_source(config: OTSStreamReaderConfig) -> WindowSource:
    """The block of a stream window."""
    assert config.start_ms is not None and config.end_ms is not None  # a reader has a rendered window
    return WindowSource(table=config.data_table, mode=config.mode, sequence_info=config.export_sequence_info,
                        start_ms=config.start_ms, end_ms=config.end_ms)


@dataclass(frozen=True)
class TableExport:
    """What a restore needs of a full export's manifest."""

    manifest_key: str
    table: str
    read_started_ms: int
    read_finished_ms: int
    full_versions: bool  # multiVersion over the whole table, every column, every version
    why_not: str  # when not full_versions: why it cannot serve a restore that keeps versions
    primary_key: tuple[tuple[str, str], ...]
    defined_columns: tuple[tuple[str, str], ...]
    max_versions: int

    @classmethod
    def of(cls, key: str, manifest: Manifest) -> TableExport | None:
        """None for a manifest of anything else (or of an export made before they recorded it)."""
        source = manifest.source
        if (not isinstance(source, TableSource) or manifest.read_started_at_ms is None
                or manifest.read_finished_at_ms is None):
            return None
        why = ""
        if source.mode != MULTI_VERSION:
            why = (f"it was read in mode {source.mode!r} (one record per row), so its cells would be "
                   "restored with new timestamps that hide the stream's versions")
        elif source.columns:
            why = f"it read only the columns {list(source.columns)}"
        elif not source.whole_table:
            why = "it read a key range or a time range, not the whole table"
        elif source.max_version is not None and source.max_version < source.table_max_versions:
            why = f"it read {source.max_version} of the {source.table_max_versions} versions the table keeps"
        return cls(key, source.table, manifest.read_started_at_ms, manifest.read_finished_at_ms, not why, why,
                   source.primary_key, source.defined_columns, source.table_max_versions)


@dataclass(frozen=True)
class ExportedWindow:
    """What a restore needs of a stream window's manifest."""

    manifest_key: str
    table: str
    start_ms: int
    end_ms: int
    mode: str
    sequence_info: bool

    @classmethod
    def of(cls, key: str, manifest: Manifest) -> ExportedWindow | None:
        source = manifest.source
        if not isinstance(source, WindowSource):
            return None
        return cls(key, source.table, source.start_ms, source.end_ms, source.mode, source.sequence_info)

    @property
    def window(self) -> str:
        return f"[{iso(self.start_ms)}, {iso(self.end_ms)})"
