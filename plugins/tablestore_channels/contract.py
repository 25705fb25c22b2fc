"""The contract between a job and its plugins (DataX's Reader / Writer SPI), in types.

A job plans, runs its splits and commits (:mod:`tablestore_channels.jobrun`):

- a :class:`Reader` plans the splits (JSON descriptors, one per mapped task) and reads one split
  as a stream of records; a record it cannot decode is yielded as :class:`Rejected`;
- a :class:`CheckpointingReader` also reports where each split stopped (:meth:`read_result`)
  and saves those positions after the writer committed (:meth:`commit`);
- a :class:`DescribedReader` also describes what it reads (:meth:`source`), which the writer
  records with the output (an export's manifest: what a restore needs to know of its source);
- a :class:`SchemaReader` knows the shape of the table its records came from (a restore), and
  a :class:`SchemaWriter` creates or checks its target table by it (given before :meth:`prepare`);
- a :class:`TypedReader` also tells the types its source declares for the fields, which the
  writer gets at :meth:`Writer.prepare` (a typed format's schema);
- a :class:`Writer` checks the target before the run (:meth:`prepare`), opens one
  :class:`SplitSink` per split and makes the output visible at :meth:`Writer.commit`; a split's
  :meth:`SplitSink.close` returns a :class:`SplitResult` (its dirty count, and what the writer's
  commit needs), the commit a :class:`CommitSummary` (its counts, as numbers). A writer names
  its own result type (``Writer[MySplitResult]``), so its commit reads only what its splits return;
- a :class:`DiscardingWriter`'s splits leave something behind before the commit (output, or
  uploads staged for the commit): the cleanup teardown calls :meth:`discard` after every run,
  which removes it unless the run committed;
- a :class:`BatchingSplitSink` finds unwritable records after :meth:`write` returned and
  reports them to the split's :class:`DirtySink`;
- a :class:`PagedReader` also reads a split page by page, and a :class:`PagedSplitSink` also
  writes a page at once: when both sides can, the channel moves pages, with a few calls a page
  instead of a few a record (the export's hot path).

Plugins subclass these protocols explicitly, so the type checker holds each to its contract;
the job tells the optional capabilities apart with ``isinstance``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NotRequired, Protocol, Self, TypedDict, TypeVar, runtime_checkable

from tablestore_channels.backup_layout import TableSource, WindowSource

if TYPE_CHECKING:
    import odps
    import oss2
    import tablestore

Record = tuple[Any, ...]
# A field's type as a source declares it: "string", "int", "double", "bool" or "binary".
FieldType = str


class SplitResult(TypedDict):
    """What a split's :meth:`SplitSink.close` returns: JSON, carried by XCom to the commit. A
    writer's own result type extends it with what its commit needs (the objects or blocks the
    split staged, its counts); the job adds what it measured (:func:`jobrun.run_split`)."""

    dirty: int  # the dirty records the split kept: the commit checks their sum against errorLimit
    dirty_object: NotRequired[str | None]  # where they are kept, if in an object: named when refused


class CommitSummary(TypedDict):
    """What :meth:`Writer.commit` returns: the run's summary, which the commit task returns and
    counts in the metrics (:mod:`tablestore_channels.operators.metrics`), so the counts are
    numbers. A writer's own summary type extends it (where the output is, its own counts)."""

    rows: int  # records written
    bytes: NotRequired[int]  # the output's size, where it has one (objects, blocks)
    objects: NotRequired[int]  # how many objects make the output (OSS): a count, never their list
    dirty: NotRequired[int]  # the run's dirty records (the job sets it anyway: the splits' sum)


# The split result type of a writer, and of its splits' sinks (which only return it).
SplitResultT = TypeVar("SplitResultT", bound=SplitResult)
SplitResultT_co = TypeVar("SplitResultT_co", bound=SplitResult, covariant=True)


@dataclass(frozen=True)
class Rejected:
    """What a reader yields in place of a record it cannot decode (a malformed line, a value not
    of its column's type): the channel counts it as dirty and goes on with the next record."""

    record: Sequence[Any]
    reason: str
    column: int | None = None


class DirtySink(Protocol):
    """Where a split's dirty records go: counted against ``errorLimit``, kept, the first logged."""

    def add(self, record: Sequence[Any], reason: str, column: int | None = None) -> None:
        """Count one dirty record; raises ErrorLimitExceeded past ``errorLimit.record``."""


class Connections(Protocol):
    """Where plugins get their clients: Airflow connections in production."""

    def tablestore(self, config: Any) -> tablestore.OTSClient:
        """A client (with NoRetryPolicy: the channel retries) for the plugin's datasource."""

    def oss_bucket(self, config: Any) -> oss2.Bucket:
        """The bucket of the plugin's datasource (or its ``bucket`` parameter)."""

    def maxcompute(self, config: Any) -> odps.ODPS:
        """A pyodps client of the plugin's datasource (its project)."""


@runtime_checkable
class Reader(Protocol):
    @classmethod
    def from_connections(cls, config: Any, connections: Connections, run_key: str) -> Self:
        """The reader of ``config`` (the plugin's typed parameters) for the run ``run_key``."""

    def plan(self, concurrency: int) -> tuple[list[dict], list[str]]:
        """Check the source and cut it: (one JSON descriptor per split, output field names). At
        most ``concurrency`` splits: they all run at once, each with its share of ``mbps``."""

    def read(self, descriptor: dict) -> Iterator[Record | Rejected]:
        """The records of one planned split."""


@runtime_checkable
class CheckpointingReader(Reader, Protocol):
    def read_result(self) -> dict:
        """After :meth:`read`: the split's positions, carried in its result to :meth:`commit`."""

    def commit(self, results: list[dict], run: dict[str, Any]) -> dict:
        """Save the positions of every split (called after the writer's commit); a summary."""


@dataclass(frozen=True)
class TableSchema:
    """A Tablestore table's shape: primary key and predefined columns as (name, type) with the
    service's type names (STRING, INTEGER, DOUBLE, BOOLEAN, BINARY), and the versions it keeps."""

    primary_key: tuple[tuple[str, str], ...]
    defined_columns: tuple[tuple[str, str], ...] = ()
    max_versions: int = 1


@runtime_checkable
class SchemaReader(Reader, Protocol):
    def table_schema(self) -> TableSchema:
        """The shape of the table the records came from; called in the plan task after :meth:`plan`."""


@runtime_checkable
class DescribedReader(Reader, Protocol):
    def source(self) -> TableSource | WindowSource:
        """What the run read (plugin, table, mode, window...), for the manifest; called in the commit task."""


@runtime_checkable
class PagedReader(Reader, Protocol):
    def read_pages(self, descriptor: dict) -> Iterator[Sequence[Record]]:
        """The records of :meth:`read` in pages (as the source returns them); never Rejected."""


@runtime_checkable
class TypedReader(Reader, Protocol):
    def field_types(self) -> list[FieldType | None]:
        """Each output field's type as the source declares it (in :meth:`plan`'s field order),
        None where it declares none; called in the plan task."""


@runtime_checkable
class SplitSink(Protocol[SplitResultT_co]):
    def write(self, record: Record) -> int:
        """Write one record; the bytes it added. Raises DirtyRecord if it cannot be written."""

    def write_dirty(self, line: bytes) -> None:
        """Keep one dirty record (a JSON line) beside the output."""

    def close(self) -> SplitResultT_co:
        """Finish the split; its JSON result for the commit (``dirty``: the count kept)."""

    def abort(self) -> str | None:
        """Give up the split: leave nothing of its output visible, but keep its dirty records;
        where they are kept (None: in the task log only)."""


@runtime_checkable
class PagedSplitSink(SplitSink[SplitResultT_co], Protocol[SplitResultT_co]):
    def write_page(self, records: Sequence[Record]) -> tuple[int, int]:
        """Write the page's records from the first on, exactly as :meth:`write` would one by
        one, up to one that needs :meth:`write` (it may be dirty, or fall where an object is
        rotated); (how many were written, the bytes they added). A page may be a
        :class:`~tablestore_channels.pages.ColumnarPage`, whose columns a writer that encodes a
        column at a time takes without building the records. The channel writes the rest
        with :meth:`write`."""


@runtime_checkable
class BatchingSplitSink(SplitSink[SplitResultT_co], Protocol[SplitResultT_co]):
    def collect_dirty(self, dirty: DirtySink) -> None:
        """Where records found unwritable after :meth:`write` returned are reported."""


@runtime_checkable
class Writer(Protocol[SplitResultT]):
    @classmethod
    def from_connections(cls, config: Any, connections: Connections, run_key: str) -> Self:
        """The writer of ``config`` for the run ``run_key`` (stable across retries and reruns)."""

    def prepare(self, column_names: Sequence[str], column_types: Sequence[FieldType | None] | None = None) -> dict:
        """Check the target before anything is written; the JSON context every split gets.
        ``column_types``: what a :class:`TypedReader` declares, else None."""

    def open_split(self, split: int, column_names: Sequence[str], context: dict) -> SplitSink[SplitResultT]:
        """The sink of one split."""

    def commit(self, results: Sequence[SplitResultT], run: dict[str, Any], context: dict) -> CommitSummary:
        """Make the run's output visible at once (idempotent); the summary. ``results``: what
        the splits' :meth:`SplitSink.close` returned, with the job's additions, through JSON."""


@runtime_checkable
class SchemaWriter(Writer[SplitResultT], Protocol[SplitResultT]):
    def use_schema(self, schema: TableSchema) -> None:
        """The source table's shape (a :class:`SchemaReader`'s), before :meth:`prepare`."""


@runtime_checkable
class DiscardingWriter(Writer[SplitResultT], Protocol[SplitResultT]):
    def discard(self) -> list[str]:
        """After a run: remove what it left (visible or staged) unless it committed; what was removed."""
