"""OTSReader: a table, or a primary-key range of it, read with GetRange page by page.

Plan: the range is cut at the configured ``split`` points or, when none are given and more than
one split is wanted, into pieces of about equal size at boundaries from ComputeSplitPointsBySize
(DataX guesses equal-width ranges on the first key column instead). The ranges are packed into at
most ``concurrent`` splits, each reading its ranges one after the other, so that no more than
``concurrent`` transfers run at once and ``mbps`` holds for the whole job. Read: GetRange from
each range's start, following ``next_start_primary_key`` until the range is done; every call
retried by :class:`Retry`, so a retried page neither loses nor repeats rows.
"""

from __future__ import annotations

import itertools
import logging
import math
import operator
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import tablestore
from tablestore import OTSServiceError

from tablestore_channels.backup_layout import TableSource
from tablestore_channels.contract import Connections, DescribedReader, PagedReader, TypedReader
from tablestore_channels.errors import ConfigError, PreconditionError
from tablestore_channels.ots_client import keys
from tablestore_channels.ots_client.models import RowPage
from tablestore_channels.pages import ColumnarPage
from tablestore_channels.plugins.export_source import table_source
from tablestore_channels.plugins.otsreader.config import MULTI_VERSION, Column, OTSReaderConfig
from tablestore_channels.plugins.prefetch import abandoned_on_leaving, in_background
from tablestore_channels.retrying import Retry, ots_retriable

log = logging.getLogger(__name__)

_UNIT_100MB = 100 * 1024 * 1024
_UNIT_1MB = 1024 * 1024  # the smallest unit the service accepts
_FIELD_TYPES = {"STRING": "string", "INTEGER": "int", "DOUBLE": "double", "BOOLEAN": "bool", "BINARY": "binary"}
# Pieces of ComputeSplitPointsBySize per planned split: cutting only at piece boundaries keeps a
# split within about 1/32 of its share.
_PIECES_PER_SPLIT = 32
# Keeps one answer small: a TB-sized table asked at 1 MiB would return a million points.
_MAX_POINTS = 10_000


@dataclass(frozen=True)
class TableInfo:
    """What the reader needs to know of the table."""

    name: str
    primary_key: tuple[tuple[str, str], ...]  # (name, STRING|INTEGER|BINARY)
    defined_columns: tuple[str, ...]
    defined_types: tuple[str, ...] = ()  # of defined_columns, in their order: STRING|INTEGER|DOUBLE|...

    def to_json(self) -> dict:
        return {"name": self.name, "primary_key": [list(c) for c in self.primary_key],
                "defined_columns": list(self.defined_columns), "defined_types": list(self.defined_types)}

    @classmethod
    def from_json(cls, data: dict) -> TableInfo:
        return cls(data["name"], tuple(tuple(c) for c in data["primary_key"]), tuple(data["defined_columns"]),
                   tuple(data.get("defined_types", ())))

    def declared_types(self) -> dict[str, str]:
        """Column name -> its declared Tablestore type: the primary key and predefined columns."""
        return {**dict(zip(self.defined_columns, self.defined_types)), **dict(self.primary_key)}


@dataclass(frozen=True)
class RangeSplit:
    """One range of the plan: rows from ``start`` (inclusive) to ``end`` (exclusive) in the scan
    direction; ``index`` is its place in the plan. A split reads one or more of them."""

    index: int
    start: tuple[Any, ...]
    end: tuple[Any, ...]

    def to_json(self) -> dict:
        return {"index": self.index, "start": [keys.to_json(v) for v in self.start],
                "end": [keys.to_json(v) for v in self.end]}

    @classmethod
    def from_json(cls, data: dict) -> RangeSplit:
        return cls(data["index"], tuple(keys.from_json(v) for v in data["start"]),
                   tuple(keys.from_json(v) for v in data["end"]))


class OTSRangeReader(TypedReader, DescribedReader, PagedReader):
    """Reads ``config.table`` through ``client`` (a TablestoreClient with NoRetryPolicy)."""

    def __init__(self, client: tablestore.OTSClient, config: OTSReaderConfig, retry: Retry | None = None) -> None:
        self.client = client
        self.config = config
        self.retry = retry or Retry(ots_retriable, config.max_retry_time, config.retry_pause_ms)

    @classmethod
    def from_connections(cls, config: OTSReaderConfig, connections: Connections, run_key: str) -> OTSRangeReader:
        return cls(connections.tablestore(config), config)

    # --- planning ----------------------------------------------------------------------------
    def describe(self) -> TableInfo:
        """The table's key schema; PreconditionError if it does not exist."""
        try:
            desc = self.retry.call("DescribeTable", self.client.describe_table, self.config.table)
        except OTSServiceError as error:
            if error.code == "OTSObjectNotExist":
                raise PreconditionError(
                    f"Tablestore table {self.config.table!r} does not exist in this instance. "
                    "Fix: check the table name and the connection's instance.",
                    key=self.config.key("table")) from error
            raise
        meta = desc.table_meta
        return TableInfo(
            name=meta.table_name,
            primary_key=tuple((name, kind) for name, kind, *_ in meta.schema_of_primary_key),
            defined_columns=tuple(name for name, *_ in (meta.defined_columns or [])),
            defined_types=tuple(kind for _, kind, *_ in (meta.defined_columns or [])),
        )

    def source(self) -> TableSource:
        """The table and how it was read, for the manifest (:mod:`export_source`)."""
        return table_source(self.config, self.retry.call("DescribeTable", self.client.describe_table,
                                                         self.config.table))

    def field_types(self) -> list[str | None]:
        """The type the table declares for each output field (primary-key and predefined columns,
        from DescribeTable); None for other attribute columns, constants and multiVersion values."""
        table = self.describe()
        declared = {name: _FIELD_TYPES.get(kind) for name, kind in table.declared_types().items()}
        if self.config.mode == MULTI_VERSION:
            return [declared[name] for name, _ in table.primary_key] + ["string", "int", None]
        return [None if c.is_constant else declared.get(c.name or "") for c in self._columns(table)]

    def output_columns(self, table: TableInfo) -> list[str]:
        """Names of the record fields, in order (for headers and typed formats)."""
        if self.config.mode == MULTI_VERSION:
            return [name for name, _ in table.primary_key] + ["column", "timestamp", "value"]
        return [c.name if not c.is_constant else f"const_{i}" for i, c in enumerate(self._columns(table))]

    def plan(self, concurrency: int) -> tuple[list[dict], list[str]]:
        """Check the table and cut the range: (one JSON descriptor per split, output column names).
        A split holds one or more ranges, read in scan order; there are at most ``concurrency``."""
        table = self.describe()
        ranges = self.plan_ranges(table, concurrency)
        splits = _packed(ranges, concurrency)
        log.info("Planned %d range(s) of table %s in %d split(s)", len(ranges), table.name, len(splits))
        return ([{"table": table.to_json(), "ranges": [r.to_json() for r in split]} for split in splits],
                self.output_columns(table))

    def plan_ranges(self, table: TableInfo, concurrency: int) -> list[RangeSplit]:
        """Cut the configured range: at the ``split`` points, or into at most ``concurrency``
        pieces of about equal size."""
        self._columns(table)  # fail early on an unusable column list
        start, end = self.config.resolve_range(table.primary_key)
        width = len(table.primary_key)
        if self.config.split:
            fill = keys.INF_MIN if self.config.forward else keys.INF_MAX
            inner = [keys.pad([p], width, fill) for p in self.config.split]
        elif concurrency > 1:
            inner = self._auto_split_points(table, start, end, concurrency)
        else:
            inner = []
        bounds = [start, *inner, end]
        return [RangeSplit(i, tuple(lo), tuple(hi)) for i, (lo, hi) in enumerate(zip(bounds, bounds[1:]))]

    def _auto_split_points(self, table: TableInfo, start: list, end: list, concurrency: int) -> list[list]:
        forward = self.config.forward
        low, high = (start, end) if forward else (end, start)
        # Every piece of an answer is about the unit asked for, so the answer at 100 MiB measures
        # the range; cut at that unit, a 110 MiB table can only be split 100 / 10. When it has too
        # few pieces to cut evenly, ask again at a size that gives many pieces per split.
        table_pieces, points = self._split_points_within(table, low, high, 1, _UNIT_100MB)
        wanted = _PIECES_PER_SPLIT * concurrency
        if len(points) + 1 < wanted:
            range_mib = (len(points) + 1) * _UNIT_100MB // _UNIT_1MB
            size_mib = max(1, range_mib // wanted, math.ceil(table_pieces * _UNIT_100MB / _UNIT_1MB / _MAX_POINTS))
            _, points = self._split_points_within(table, low, high, size_mib, _UNIT_1MB)
        points = _even_cut(points, concurrency)
        log.info("Table %s: %d split(s) from ComputeSplitPointsBySize for concurrency %d",
                 self.config.table, len(points) + 1, concurrency)
        return points if forward else points[::-1]

    def _split_points_within(self, table: TableInfo, low: list, high: list, size: int,
                             unit: int) -> tuple[int, list[list]]:
        """ComputeSplitPointsBySize at ``size`` x ``unit`` bytes: (pieces of the whole table, the
        boundaries strictly inside ``low`` .. ``high``, ascending)."""
        result = self.retry.call("ComputeSplitPointsBySize", self.client.compute_split_points_by_size,
                                 self.config.table, size, split_size_unit_in_byte=unit)
        names = [n for n, _ in table.primary_key]
        low_key, high_key = keys.row_key(low), keys.row_key(high)
        boundaries = [[dict(s.upper).get(n, keys.INF_MIN) for n in names] for s in result.splits[:-1]]
        return len(result.splits), [p for p in boundaries if low_key < keys.row_key(p) < high_key]

    def _columns(self, table: TableInfo):
        columns = self.config.columns
        if columns or self.config.mode == MULTI_VERSION:
            return columns
        if not table.defined_columns:
            raise ConfigError(
                self.config.key("column"),
                f"is empty, and table {table.name!r} declares no predefined columns, so 'all columns' has no "
                "fixed order.", "list the columns to export, or use mode multiVersion (one record per cell).")
        return tuple(Column(name=n) for n in [*(n for n, _ in table.primary_key), *table.defined_columns])

    # --- reading -----------------------------------------------------------------------------
    def read(self, descriptor: dict) -> Iterator[tuple]:
        """The records of one planned split: its ranges one after the other, in scan order."""
        return itertools.chain.from_iterable(self.read_pages(descriptor))

    def read_pages(self, descriptor: dict) -> Iterator[Sequence[tuple]]:
        """The records of :meth:`read`, a GetRange page at a time."""
        table = TableInfo.from_json(descriptor["table"])
        for data in descriptor["ranges"]:
            yield from self.read_range(table, RangeSplit.from_json(data))

    def read_range(self, table: TableInfo, split: RangeSplit) -> Iterator[Sequence[tuple]]:
        """The records of one range, a GetRange page at a time."""
        config = self.config
        names = [n for n, _ in table.primary_key]
        direction = tablestore.Direction.FORWARD if config.forward else tablestore.Direction.BACKWARD
        multi = config.mode == MULTI_VERSION
        columns = self._columns(table)
        wanted = [c.name for c in columns if not c.is_constant]
        kwargs: dict[str, Any] = {"columns_to_get": wanted or None}
        if multi:
            # always sent: the SDK turns a missing max_version into 1, even with a time range
            kwargs["max_version"] = config.max_version or 2**31 - 1
            if config.time_range:
                kwargs["time_range"] = config.time_range
        start, end = keys.with_names(names, split.start), keys.with_names(names, split.end)
        convert = _multi_version_records if multi else RowRecords(columns, table.declared_types())

        # The next page is fetched while this one is converted and written.
        with abandoned_on_leaving(self.retry) as retry:

            def fetch(page_start):
                return retry.call(f"GetRange({config.table}, range {split.index})", self.client.get_range,
                                  config.table, direction, page_start, end, **kwargs)

            page: Future | None = in_background("getrange", fetch, start)
            while page is not None:
                _, next_start, rows, _ = page.result()
                page = in_background("getrange", fetch, next_start) if next_start else None
                yield convert(rows)


def _even_cut(points: list[list], parts: int) -> list[list]:
    """Of the boundaries of ``len(points) + 1`` pieces of about equal size, the ``parts - 1`` whose
    cumulative size is nearest to each equal share (all of them when there are too few)."""
    if len(points) + 1 <= parts:
        return points
    step = (len(points) + 1) / parts
    return [points[round(step * k) - 1] for k in range(1, parts)]


def _packed(ranges: list[RangeSplit], parts: int) -> list[list[RangeSplit]]:
    """``ranges`` in at most ``parts`` groups of consecutive ranges, about equal in number: each
    split keeps the scan order and the splits follow each other in it."""
    parts = max(1, min(parts, len(ranges)))
    bounds = [k * len(ranges) // parts for k in range(parts + 1)]
    return [ranges[lo:hi] for lo, hi in zip(bounds, bounds[1:])]


# Page converters: the per-row work of an export, kept to a few C-level calls per row.

_NAME, _VALUE = operator.itemgetter(0), operator.itemgetter(1)


class RowRecords:
    """Turns pages of rows into records of ``columns``.

    Rows of a table mostly share one column layout (the PK and attribute names in the order the
    row has them): per layout the output positions are worked out once, then a row is a few
    C-level calls over its values. BINARY values come as bytearray; records carry immutable
    bytes, converted only where a column may hold binary (declared so, or not declared).
    """

    def __init__(self, columns: Sequence[Column], declared_types: dict[str, str]) -> None:
        self.columns = columns
        self.declared_types = declared_types
        self.layouts: dict[tuple, Callable[[list], tuple]] = {}
        self.run_sources: dict[tuple, list[tuple[int | None, Any]]] = {}

    def __call__(self, rows: Sequence[Any]) -> Sequence[tuple]:
        if isinstance(rows, RowPage):  # the page decoded straight into columns
            return self.from_runs(rows.runs())
        layouts = self.layouts
        records = []
        for row in rows:
            cells = row.primary_key + row.attribute_columns
            layout = tuple(map(_NAME, cells))
            pick = layouts.get(layout)
            if pick is None:
                pick = layouts[layout] = self._picker(layout)
            records.append(pick(list(map(_VALUE, cells))))
        return records

    def from_runs(self, runs: Sequence[Any]) -> ColumnarPage:
        """Records of runs of rows that share a layout (:class:`row_pages.RowRun`, BINARY
        already bytes): per run, its columns in output order; the page's columns are the runs'
        joined."""
        pieces: list[list[Sequence[Any]]] = []
        for run in runs:
            sources = self.run_sources.get(run.names)
            if sources is None:
                position = {name: i for i, name in enumerate(run.names)}  # a later duplicate wins
                sources = self.run_sources[run.names] = [
                    (None, c.constant) if c.is_constant else (position.get(c.name), None) for c in self.columns]
            count = len(run)
            pieces.append([run.columns[index] if index is not None else [constant] * count
                           for index, constant in sources])
        count = sum(map(len, runs))
        if len(pieces) == 1:
            return ColumnarPage(pieces[0], count)
        return ColumnarPage([list(itertools.chain.from_iterable(column)) for column in zip(*pieces)]
                            if pieces else [[] for _ in self.columns], count)

    def _picker(self, layout: tuple) -> Callable[[list], tuple]:
        """A function from a row's values (in ``layout`` order) to the output record."""
        position = {name: i for i, name in enumerate(layout)}  # a later duplicate name wins, as in a dict
        sources = [("const", c.constant) if c.is_constant else ("value", position.get(c.name)) for c in self.columns]
        used = {index for kind, index in sources if kind == "value" and index is not None}
        binary = [i for i in sorted(used) if self.declared_types.get(layout[i], "BINARY") == "BINARY"]
        if all(kind == "value" and index is not None for kind, index in sources):
            getter = operator.itemgetter(*[index for _, index in sources])
            pick = getter if len(sources) > 1 else (lambda values: (getter(values),))
        else:
            def pick(values: list) -> tuple:
                return tuple(payload if kind == "const" else (None if payload is None else values[payload])
                             for kind, payload in sources)
        if not binary:
            return pick

        def pick_bytes(values: list) -> tuple:
            for index in binary:
                value = values[index]
                if value.__class__ is bytearray:
                    values[index] = bytes(value)
            return pick(values)

        return pick_bytes


def _multi_version_records(rows: Sequence[Any]) -> list[tuple]:
    records = []
    for row in rows:
        pk = tuple(_plain(v) for _, v in row.primary_key)
        records.extend([(*pk, name, timestamp, _plain(value)) for name, value, timestamp in row.attribute_columns])
    return records


def _plain(value: Any) -> Any:
    """BINARY comes back from the SDK as bytearray; records carry immutable bytes."""
    return bytes(value) if value.__class__ is bytearray else value
