"""Typed arguments and results of the Tablestore calls the SDK lacks.

Primary keys use the SDK's own format, a list of ``(name, value)`` pairs, with ``tablestore.INF_MIN``
/ ``tablestore.INF_MAX`` for open bounds; BINARY values are ``bytearray`` as the SDK returns them.
Times keep the unit the service uses and say it in their names (``_us``, ``_ms``, ``_hours``).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tablestore import CapacityUnit, DescribeTableResponse, OTSClientError, UpdateTableResponse

from tablestore_channels.pages import LazySequence

PrimaryKey = list[tuple[str, Any]]


@dataclass(frozen=True)
class StreamSpec:
    """Stream settings for CreateTable / UpdateTable.

    :param enable: turn the stream on or off.
    :param expiration_time_hours: retention of stream data; required (> 0) when enabling, not
        allowed when disabling.
    :param columns_to_get: attribute columns whose pre-change values each record carries
        (``StreamRecord.origin_columns``); only when enabling.
    """

    enable: bool
    expiration_time_hours: int | None = None
    columns_to_get: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns_to_get", tuple(self.columns_to_get))
        if self.enable:
            if not isinstance(self.expiration_time_hours, int) or self.expiration_time_hours <= 0:
                raise OTSClientError(
                    "StreamSpec(enable=True) needs expiration_time_hours > 0, got "
                    f"{self.expiration_time_hours!r}."
                )
        elif self.expiration_time_hours is not None or self.columns_to_get:
            raise OTSClientError(
                "StreamSpec(enable=False) takes neither expiration_time_hours nor columns_to_get."
            )


@dataclass(frozen=True)
class StreamDetails:
    """A table's stream state as DescribeTable / UpdateTable report it."""

    enable_stream: bool
    stream_id: str | None = None
    expiration_time_hours: int | None = None
    last_enable_time_us: int | None = None
    columns_to_get: tuple[str, ...] = ()


class TableDescription(DescribeTableResponse):
    """The SDK's ``DescribeTableResponse`` plus ``stream_details`` (None when the service sends
    none) and ``creation_time_us`` (None when absent)."""

    def __init__(self, base: DescribeTableResponse, stream_details: StreamDetails | None,
                 creation_time_us: int | None) -> None:
        super().__init__(base.table_meta, base.table_options, base.reserved_throughput_details,
                         base.secondary_indexes, base.sse_details)
        self.set_request_id(base.request_id)
        self.stream_details = stream_details
        self.creation_time_us = creation_time_us


class TableUpdate(UpdateTableResponse):
    """The SDK's ``UpdateTableResponse`` plus ``stream_details`` (None when the service sends none)."""

    def __init__(self, base: UpdateTableResponse, stream_details: StreamDetails | None) -> None:
        super().__init__(base.reserved_throughput_details, base.table_options)
        self.set_request_id(base.request_id)
        self.stream_details = stream_details


@dataclass(frozen=True)
class Split:
    """One split of a table: rows with ``lower <= pk < upper``, and the service's host hint."""

    lower: PrimaryKey
    upper: PrimaryKey
    location: str | None


@dataclass(frozen=True)
class SplitPoints:
    """ComputeSplitPointsBySize result: the PK schema (SDK format) and contiguous splits covering
    the whole key range, in key order."""

    schema: list[tuple]
    splits: list[Split]
    consumed: CapacityUnit


@dataclass(frozen=True)
class Stream:
    """One entry of ListStream."""

    stream_id: str
    table_name: str
    creation_time_us: int


class StreamStatus(enum.Enum):
    ENABLING = 1
    ACTIVE = 2


@dataclass(frozen=True)
class StreamShard:
    """A shard; ``parent_id`` (and ``parent_sibling_id`` after a merge) must be read first."""

    shard_id: str
    parent_id: str | None = None
    parent_sibling_id: str | None = None


@dataclass(frozen=True)
class StreamDescription:
    """One page of DescribeStream; ``next_shard_id`` is None on the last page."""

    stream_id: str
    table_name: str
    expiration_time_hours: int
    creation_time_us: int
    status: StreamStatus
    shards: list[StreamShard]
    next_shard_id: str | None


class RecordAction(enum.Enum):
    PUT = 1
    UPDATE = 2
    DELETE = 3


class CellType(enum.Enum):
    """What a record did to a column (the PlainBuffer op byte; PUT has none on the wire)."""

    PUT = 0
    DELETE_ALL_VERSION = 1
    DELETE_ONE_VERSION = 3


@dataclass(frozen=True)
class StreamColumn:
    """A column change: PUT has value and timestamp, DELETE_ONE_VERSION only the timestamp of the
    deleted version, DELETE_ALL_VERSION neither."""

    name: str
    value: Any
    cell_type: CellType
    timestamp_ms: int | None


@dataclass(frozen=True, order=True)
class SequenceInfo:
    """Position of a record in its shard; records order by (epoch, timestamp_us, row_index)."""

    epoch: int
    timestamp_us: int
    row_index: int


@dataclass(frozen=True)
class StreamRecord:
    """One change of one row. ``origin_columns`` are the pre-change values of the stream's
    ``columns_to_get`` (empty unless configured)."""

    action: RecordAction
    primary_key: PrimaryKey
    columns: list[StreamColumn]
    sequence_info: SequenceInfo
    origin_columns: list[StreamColumn] = field(default_factory=list)


class RowPage(LazySequence[Any]):
    """The rows of a GetRange answer, decoded when first used: as the SDK's ``Row`` objects
    (``row_page[i]``, iteration, ``len``; the SDK's own decoding), or as runs of columns
    (:meth:`runs`, :mod:`row_pages`), which is what an export reads."""

    def __init__(self, encoded: bytes, sdk_rows: Callable[[], list[Any]],
                 runs: Callable[[bytes], list[Any]]) -> None:
        super().__init__()
        self.encoded = encoded
        self._sdk_rows = sdk_rows
        self._runs = runs

    def _build(self) -> list[Any]:
        return self._sdk_rows()

    @property
    def rows(self) -> list[Any]:
        return self._items()

    def runs(self) -> list[Any]:
        """The rows as :class:`row_pages.RowRun` objects: consecutive rows of one layout."""
        return self._runs(self.encoded)


@dataclass(frozen=True)
class StreamRecordBatch:
    """GetStreamRecord result. ``next_shard_iterator`` is None once the shard is finished (closed
    by a split or merge and fully read); ``may_more_record`` is None when the service omits it.

    ``records`` are decoded from the response's ``encoded`` records (with ``decode``) when first
    read, on the thread that reads them: a reader that fetches the next batch on a thread of its
    own keeps that thread on the network, not contending for the GIL with the records' use."""

    encoded: Sequence[Any] = field(repr=False)
    decode: Callable[[Any], StreamRecord] = field(repr=False, compare=False)
    next_shard_iterator: str | None
    may_more_record: bool | None
    consumed: CapacityUnit | None

    decode_changes: Callable[[Sequence[Any]], list[Any]] | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def records(self) -> list[StreamRecord]:
        return [self.decode(record) for record in self.encoded]

    @functools.cached_property
    def changes(self) -> list[Any]:
        """The records as ``stream_changes.StreamRecordTuple`` (same fields, decoded in one lean
        pass), or :attr:`records` when the batch has no such decoder."""
        if self.decode_changes is None:
            return self.records
        return self.decode_changes(self.encoded)
