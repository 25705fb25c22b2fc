"""The point-in-time reader: the change records that rebuild a table as it was at T, from its
full export and the stream windows after it (which ones: :mod:`restore_plan`).

Every record is ``[pk..., column, timestamp, value, op_type]``, typed (the exports keep values as
text: a value takes its column's type, the source's predefined one or ``column``'s), for the
replay writer. A restore runs two jobs, one after the other, because a row's stream changes must
reach the table after its exported cells:

- phase ``export``: the export's cells (``U`` each), split by objects, in parallel;
- phase ``windows``: the windows' changes in commit order, each split taking the rows whose key
  hashes to it from every window in turn, the last window cut at T.

The plan of either phase checks the whole restore first, so a restore that cannot be done is
refused before anything is written.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import oss2

from tablestore_channels.contract import Connections, Rejected, SchemaReader, TableSchema
from tablestore_channels.errors import DirtyRecord
from tablestore_channels.formats.values import parse_value
from tablestore_channels.plugins.ossreader.config import OSSReaderConfig
from tablestore_channels.plugins.ossreader.reader import OSSReader
from tablestore_channels.plugins.otsstreamreader.output_records import MULTI_VERSION_FIELDS
from tablestore_channels.plugins.pointintimereader import restore_plan
from tablestore_channels.plugins.pointintimereader.config import EXPORT_PHASE, PointInTimeReaderConfig, iso_moment
from tablestore_channels.retrying import Retry, oss_retriable

log = logging.getLogger(__name__)

# Tablestore types -> the text types of parse_value
_TEXT_TYPES = {"STRING": "string", "INTEGER": "int", "DOUBLE": "double", "BOOLEAN": "bool", "BINARY": "binary"}
_COLUMN_FIX = "give its type in reader.parameter.column (the DAG's param columns)"


class PointInTimeReader(SchemaReader):
    def __init__(self, bucket: oss2.Bucket, config: PointInTimeReaderConfig, retry: Retry | None = None) -> None:
        self.bucket = bucket
        self.config = config
        self.retry = retry or Retry(oss_retriable, max_retries=10, pause_ms=200)
        self.objects = OSSReader(bucket, OSSReaderConfig(), self.retry)  # reads planned objects
        self._schema: TableSchema | None = None

    @classmethod
    def from_connections(cls, config: PointInTimeReaderConfig, connections: Connections,
                         run_key: str) -> PointInTimeReader:
        return cls(connections.oss_bucket(config), config)

    def _objects_of(self, manifest_key: str, concurrency: int) -> list[dict]:
        """OSSReader's split descriptors of one manifest's objects (checked to be there)."""
        return OSSReader(self.bucket, OSSReaderConfig(manifest=manifest_key), self.retry).plan(concurrency)[0]

    def plan(self, concurrency: int) -> tuple[list[dict], list[str]]:
        plan = restore_plan.resolve(self.bucket, self.retry, self.config)
        export = plan.export
        self._schema = TableSchema(export.primary_key, export.defined_columns, export.max_versions)
        point_in_time = iso_moment(plan.point_us)
        log.info("Restore of %s to %s: %s", self.config.table, point_in_time, plan.describe())
        types = {**{n: _TEXT_TYPES[t] for n, t in export.defined_columns}, **dict(self.config.column_types)}
        common = {"primary_key": [list(c) for c in export.primary_key], "column_types": types,
                  "export_manifest": export.manifest_key, "point_in_time": point_in_time}
        columns = [*(name for name, _ in export.primary_key), *MULTI_VERSION_FIELDS]
        if self.config.phase == EXPORT_PHASE:
            return [{**common, "export": d} for d in self._objects_of(export.manifest_key, concurrency)], columns
        windows = [{"read": self._objects_of(r.window.manifest_key, 1)[0], "cut_us": r.cut_us,
                    "window": r.window.window} for r in plan.windows]
        splits = max(1, concurrency)
        return [{**common, "bucket": k, "buckets": splits, "windows": windows} for k in range(splits)], columns

    def table_schema(self) -> TableSchema:
        assert self._schema is not None, "table_schema() before plan()"
        return self._schema

    def read(self, descriptor: dict) -> Iterator[tuple | Rejected]:
        typed = _Typing(descriptor["primary_key"], descriptor["column_types"])
        if "export" in descriptor:
            for fields in self.objects.read(descriptor["export"]):
                yield fields if isinstance(fields, Rejected) else typed.record(fields, "U")
            return
        bucket, buckets = descriptor["bucket"], descriptor["buckets"]
        width = len(descriptor["primary_key"])
        for window in descriptor["windows"]:
            cut = window["cut_us"]
            for fields in self.objects.read(window["read"]):
                if isinstance(fields, Rejected):
                    yield fields
                    continue
                if buckets > 1 and _bucket(fields[:width], buckets) != bucket:
                    continue
                if cut is not None and _commit_us(fields) > cut:
                    continue  # shards interleave: later records of other shards may be before the cut
                yield typed.record(fields, None)


def _bucket(key_texts: Sequence[str | None], buckets: int) -> int:
    """A row's split in the windows phase: a stable hash of its key as the export wrote it."""
    return zlib.crc32("\x1f".join(t or "" for t in key_texts).encode()) % buckets


def _commit_us(fields: Sequence[Any]) -> int:
    """The commit time in a record's sequence info (``epoch_timestampµs_row_shard[:column]``)."""
    return int(str(fields[-1]).split("_", 2)[1])


class _Typing:
    """Text fields of the exports -> typed change records."""

    def __init__(self, primary_key: list[list[str]], column_types: dict[str, str]) -> None:
        self.pk: list[tuple[str, Callable[[Any], Any]]] = [
            (name, _parser(_TEXT_TYPES[kind])) for name, kind in primary_key]
        self.width = len(primary_key)
        self.column_types = column_types

    def record(self, fields: Sequence[Any], op: str | None) -> tuple | Rejected:
        width = self.width
        try:
            key = [parse(fields[i]) for i, (_, parse) in enumerate(self.pk)]
            column, timestamp, value = fields[width], fields[width + 1], fields[width + 2]
            op = op or fields[width + 3]
            if timestamp is not None:
                timestamp = parse_value(timestamp, "int")
            if value is not None:
                kind = self.column_types.get(column)
                if kind is None:
                    return Rejected(fields, f"column {column!r} has no type: the source table does not predefine "
                                            f"it. Fix: {_COLUMN_FIX}.", width)
                value = parse_value(value, kind)
        except (DirtyRecord, IndexError) as error:
            return Rejected(fields, f"not a change record: {error}")
        return (*key, column, timestamp, value, op)


def _parser(kind: str) -> Callable[[Any], Any]:
    return lambda text: parse_value(text, kind)
