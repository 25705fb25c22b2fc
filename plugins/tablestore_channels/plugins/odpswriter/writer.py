"""ODPSWriter: records into a MaxCompute table or partition through one tunnel upload session per
run, committed all or nothing.

- ``prepare`` (the plan task) checks the table, the partition spec and the column mapping, and
  opens the run's upload session (``overwrite`` when ``truncate``: the old rows are replaced at
  the commit, so a failed run leaves them as they were). A missing partition is added then, as
  the tunnel only opens sessions on existing partitions: a failed run may leave that partition,
  empty.
- Each split uploads blocks with ids of its own: split ``i`` uses ``i * 200`` to
  ``i * 200 + 199`` in order (the tunnel takes ids 0-19999, hence at most 100 splits). A retried
  split sends the same ids again and the tunnel keeps the last copy of each: no duplicates.
- ``commit`` (the commit task) reloads the session, checks that every block the splits reported
  is there, blanks blocks of failed attempts that the final attempts did not rewrite, and
  commits. A retry after a commit that went through finds the session CLOSED and succeeds.
- ``truncate=false`` appends, so a rerun of a committed run is refused (see
  :mod:`~tablestore_channels.plugins.odpswriter.commit_log`); ``truncate=true`` reruns replace.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from odps import ODPS
from odps.models import Record
from odps.tunnel import TableTunnel
from odps.tunnel.tabletunnel import TableUploadSession

from tablestore_channels.contract import CommitSummary, Connections, SplitResult, SplitSink, Writer
from tablestore_channels.errors import ConfigError, PreconditionError
from tablestore_channels.plugins.odpswriter.commit_log import COMMITTED, OPEN, CommitLog
from tablestore_channels.plugins.odpswriter.config import ODPSWriterConfig
from tablestore_channels.plugins.odpswriter.values import RecordConverter, UnsupportedType

log = logging.getLogger(__name__)

BLOCK_IDS = 20_000  # a session takes block ids 0-19999
BLOCKS_PER_SPLIT = 200
MAX_SPLITS = BLOCK_IDS // BLOCKS_PER_SPLIT


class ODPSSplitResult(SplitResult):
    """The blocks a split uploaded (the commit commits these, and only these), its rows and bytes."""

    split: int
    blocks: list[int]
    rows: int
    bytes: int


class ODPSCommitSummary(CommitSummary):
    """Where the rows went (``project.table``, the partition) and by which upload session."""

    table: str
    partition: str | None
    upload_id: str
    truncate: bool
    blocks: int


class ODPSWriter(Writer[ODPSSplitResult]):
    """The job side: checks and the session before the run, the commit after it.

    :param odps: a pyodps client of the target project.
    :param run_key: the run's name, the same on every retry and rerun.
    """

    def __init__(self, odps: ODPS, config: ODPSWriterConfig, run_key: str) -> None:
        self.odps = odps
        self.config = config
        self.run_key = run_key
        self.tunnel = TableTunnel(odps)
        self.commit_log = CommitLog(odps, self.tunnel)

    @classmethod
    def from_connections(cls, config: ODPSWriterConfig, connections: Connections, run_key: str) -> ODPSWriter:
        return cls(connections.maxcompute(config), config, run_key)

    # --- the target ------------------------------------------------------------------------------
    def _table(self):
        name = self.config.table
        if not self.odps.exist_table(name):
            raise PreconditionError(
                f"MaxCompute table {self.odps.project}.{name} does not exist. Fix: create it first (the writer "
                "never creates tables), or correct the table name.", key=self.config.key("table"))
        return self.odps.get_table(name)

    def _partition_spec(self, schema) -> str | None:
        """The configured partition in the table's key order: ``pt=1,region=hz``."""
        keys = [p.name.lower() for p in schema.partitions]
        given = self.config.partition
        key = self.config.key("partition")
        if isinstance(given, str):
            raise ConfigError(key, f"still holds a template after rendering: {given!r}.")
        if not keys:
            if given:
                raise ConfigError(key, f"table {self.config.table} is not partitioned, got {given!r}.",
                                  "remove 'partition'.")
            return None
        values = dict(given or ())
        if sorted(values) != sorted(keys):
            raise ConfigError(key, f"table {self.config.table} is partitioned by {keys}, got "
                              f"{self.config.partition_text!r}.",
                              f"give a value for each key down to the last level, e.g. "
                              f"{','.join(f'{k}=...' for k in keys)}.")
        return ",".join(f"{k}={values[k]}" for k in keys)

    def _positions(self, schema, column_names: Sequence[str]) -> list[int]:
        """The table column (index) each reader column goes to."""
        table_columns = [c.name.lower() for c in schema.simple_columns]
        wanted = list(self.config.columns) if self.config.columns is not None else table_columns
        key = self.config.key("column")
        unknown = [n for n in wanted if n not in table_columns]
        if unknown:
            raise ConfigError(key, f"{unknown} are not columns of {self.config.table} ({table_columns}).")
        if len(wanted) != len(column_names):
            raise ConfigError(key, f"maps {len(wanted)} MaxCompute column(s) but the reader gives "
                              f"{len(column_names)} ({list(column_names)}).",
                              "list one MaxCompute column per reader column, in the reader's order.")
        required = [c.name for c in schema.simple_columns if not c.nullable and c.name.lower() not in wanted]
        if required:
            raise ConfigError(key, f"leaves NOT NULL column(s) {required} of {self.config.table} without a value.",
                              "map a reader column to each of them.")
        return [table_columns.index(n) for n in wanted]

    def _target(self, spec: str | None) -> str:
        return f"{self.config.table}/{spec or ''}"

    def converter(self, schema, positions: Sequence[int]) -> RecordConverter:
        columns = [schema.simple_columns[p] for p in positions]
        try:
            return RecordConverter([c.type for c in columns], positions, [c.nullable for c in columns],
                                   [c.name for c in columns], self.config.empty_as_null)
        except UnsupportedType as error:
            raise ConfigError(self.config.key("column"), str(error)) from None

    # --- the run ---------------------------------------------------------------------------------
    def prepare(self, column_names: Sequence[str], column_types: Sequence[str | None] | None = None) -> dict:
        """Check the target and open the run's upload session; returns the context every split
        and the commit get."""
        schema = self._table().table_schema
        spec = self._partition_spec(schema)
        positions = self._positions(schema, column_names)
        self.converter(schema, positions)  # unsupported column types fail here, not in the splits
        target = self._target(spec)
        if not self.config.truncate:
            done = self.commit_log.committed_upload(self.run_key, target, self.config.table, spec)
            if done is not None:
                raise PreconditionError(
                    f"run {self.run_key} already appended its rows to {target} (upload session {done}); running "
                    "it again would append them twice. Fix: trigger a new run, or use truncate=true to replace "
                    "the table or partition.")
        session = self.tunnel.create_upload_session(self.config.table, partition_spec=spec,
                                                    overwrite=self.config.truncate, create_partition=spec is not None)
        if not self.config.truncate:
            self.commit_log.record(self.run_key, target, session.id, OPEN)
        log.info("Upload session %s for %s (%s)", session.id, target, "overwrite" if self.config.truncate else "append")
        return {"upload_id": session.id, "partition": spec, "positions": positions}

    def _session(self, context: dict) -> TableUploadSession:
        return self.tunnel.create_upload_session(self.config.table, partition_spec=context["partition"],
                                                 upload_id=context["upload_id"])

    def open_split(self, split: int, column_names: Sequence[str], context: dict) -> ODPSSplitWriter:
        if split >= MAX_SPLITS:
            raise ConfigError("setting.speed.concurrent",
                              f"split {split} is beyond the {MAX_SPLITS} splits one upload session can take.",
                              "use fewer splits (concurrent, or fewer range.split points).")
        session = self._session(context)
        converter = self.converter(session.schema, context["positions"])
        return ODPSSplitWriter(session, converter, split, self.config)

    def commit(self, results: Sequence[ODPSSplitResult], run: dict[str, Any], context: dict) -> ODPSCommitSummary:
        """Commit the blocks the splits reported, and nothing else. Safe to repeat."""
        session = self._session(context)
        listed = sorted(b for r in results for b in r["blocks"])
        target = self._target(context["partition"])
        if session.status == TableUploadSession.Status.Closed:
            log.info("Upload session %s was committed already (an earlier attempt of this task)", session.id)
        else:
            on_server = {int(b) for b in session.blocks}
            missing = sorted(set(listed) - on_server)
            if missing:
                raise PreconditionError(
                    f"block(s) {missing[:10]} of upload session {session.id} are not on the server; not committing. "
                    "Fix: clear the transfer tasks of this run so that they upload again.")
            for block in sorted(on_server - set(listed)):  # left by failed attempts: empty them
                session.open_record_writer(block_id=block).close()
            session.commit(sorted(on_server))
        if not self.config.truncate:
            self.commit_log.record(self.run_key, target, session.id, COMMITTED)
        return {"table": f"{self.odps.project}.{self.config.table}", "partition": context["partition"],
                "upload_id": session.id, "truncate": self.config.truncate, "blocks": len(listed),
                "rows": sum(r["rows"] for r in results), "bytes": sum(r["bytes"] for r in results)}


class ODPSSplitWriter(SplitSink[ODPSSplitResult]):
    """Writes one split's records as blocks of about ``config.block_size`` bytes."""

    def __init__(self, session: TableUploadSession, converter: RecordConverter, split: int,
                 config: ODPSWriterConfig) -> None:
        self.split = split
        self.config = config
        self.converter = converter
        self.block_size = config.block_size
        self._first_block = split * BLOCKS_PER_SPLIT
        self._next_block = self._first_block + 1
        self._out_of_ids = False
        self._size = 0
        # pyodps's buffered writer keeps a block's bytes until it is sent, so it can resend them
        self._writer = session.open_record_writer(buffer_size=self.block_size, initial_block_id=self._first_block,
                                                  block_id_gen=self._block_id)
        self._record = Record(schema=session.schema)
        # the record's own value list, filled in place: the converter's checks are stricter than
        # the ones pyodps runs on each assignment, so those are skipped
        self._row = self._record.values
        self.rows = 0
        self.dirty_count = 0

    def _block_id(self) -> int:
        block, self._next_block = self._next_block, self._next_block + 1
        # checked by the next write: a split that ends exactly here needs no more ids
        self._out_of_ids = block >= self._first_block + BLOCKS_PER_SPLIT
        return block

    def write(self, record: Sequence[Any]) -> int:
        self.converter.fill(record, self._row)
        if self._out_of_ids:
            raise ConfigError(self.config.key("blockSizeInMB"),
                              f"split {self.split} needs more than {BLOCKS_PER_SPLIT} blocks of "
                              f"{self.block_size // 2**20} MB.",
                              "raise blockSizeInMB, or cut the source into more splits.")
        self._writer.write(self._record)
        self.rows += 1
        total = self._writer.n_bytes
        size, self._size = total - self._size, total
        return size

    def write_dirty(self, line: bytes) -> None:
        # MaxCompute has no place for rejects beside the table: the task log keeps every one
        self.dirty_count += 1
        log.info("dirty record of split %d: %s", self.split, line.decode("utf-8", "replace").rstrip())

    def close(self) -> ODPSSplitResult:
        self._writer.close()
        return {"split": self.split, "blocks": list(self._writer.get_blocks_written()), "rows": self.rows,
                "bytes": self._size, "dirty": self.dirty_count}

    def abort(self) -> None:
        """Nothing to undo: blocks are invisible until the commit, which lists the final ones."""
