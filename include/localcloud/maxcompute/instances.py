"""SQL instances: a submitted job runs its SQL task against the catalog and the committed data.

An instance runs when it is created (the statements are small), so the first status poll already
sees it Terminated, with the task SUCCESS or FAILED. A failed statement leaves the ``ODPS-xxxxxxx``
message as the task result, which pyodps turns into an exception. A SELECT keeps its rows as the
instance's result: pyodps reads them through the instance tunnel (its default) or as CSV.
Instances persist as JSON (and Parquet for results), like the rest of the server's state.
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from localcloud.maxcompute import partitionspec, sql
from localcloud.maxcompute.catalog import Catalog
from localcloud.maxcompute.errors import MaxComputeError, SqlError
from localcloud.maxcompute.models import (
    CANCELLED,
    FAILED,
    SUCCESS,
    TERMINATED,
    Instance,
    ResultSet,
    Table,
)
from localcloud.maxcompute.schema import Column, TableSchema, check_name
from localcloud.maxcompute.storage import Storage, write_parquet
from localcloud.maxcompute.tunnel import TableTunnel, new_session_id


class Instances:
    """Creates, runs, stores and stops instances of one server."""

    def __init__(self, root: Path, catalog: Catalog, storage: Storage, tunnel: TableTunnel) -> None:
        self._root = root
        self._catalog = catalog
        self._storage = storage
        self._tunnel = tunnel
        root.mkdir(parents=True, exist_ok=True)

    def create(self, project: str, task_name: str, query: str, job_xml: str) -> Instance:
        instance = Instance(new_session_id() + "g" + uuid.uuid4().hex[:6], project, task_name, query, job_xml)
        try:
            result = self._run_script(project, query)
            instance.task_status = SUCCESS
            if isinstance(result, ResultSet):
                instance.result_columns = result.columns
                write_parquet(result.table, self._result_path(instance.instance_id))
                instance.result_text = _csv(result.table)
            else:
                instance.result_text = result
        except SqlError as exc:
            instance.task_status, instance.result_text = FAILED, exc.text
        instance.status, instance.end = TERMINATED, time.time()
        self._save(instance)
        return instance

    def get(self, project: str, instance_id: str) -> Instance:
        try:
            data = json.loads((self._root / f"{instance_id}.json").read_text())
        except (FileNotFoundError, ValueError):
            data = None
        if data is None or data["project"] != project:
            raise MaxComputeError("NoSuchObject", f"ODPS-0420111:Instance not found - {project}/{instance_id}")
        return Instance.from_json(data)

    def stop(self, instance: Instance) -> None:
        """Stopping a terminated instance changes nothing (instances here end at creation)."""
        if instance.status != TERMINATED:
            instance.status, instance.task_status, instance.end = TERMINATED, CANCELLED, time.time()
            self._save(instance)

    def result(self, instance: Instance) -> pa.Table:
        if instance.result_columns is None:
            raise MaxComputeError("InstanceTypeNotSupported", f"instance {instance.instance_id} has no "
                                  "result set to download (it did not run a SELECT)")
        return pq.read_table(self._result_path(instance.instance_id))

    def _result_path(self, instance_id: str) -> Path:
        return self._root / f"{instance_id}.result.parquet"

    def _save(self, instance: Instance) -> None:
        path = self._root / f"{instance.instance_id}.json"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(instance.to_json()))
        tmp.replace(path)

    # --- running SQL ------------------------------------------------------------------------------
    def _run_script(self, project: str, query: str) -> ResultSet | str:
        result: ResultSet | str = "OK"
        for statement in sql.parse(query):
            try:
                outcome = self._run(project, statement)
            except MaxComputeError as exc:
                raise SqlError.from_error(exc) from exc
            if outcome is not None:
                result = outcome
        return result

    def _run(self, project: str, statement: sql.Statement) -> ResultSet | None:
        if isinstance(statement, sql.SetOption):
            return None
        project = statement.name.project or project
        name = statement.name.table
        if isinstance(statement, sql.CreateTable):
            schema = TableSchema(tuple(Column.create(c.name, c.type, c.comment, c.nullable) for c in statement.columns),
                                 tuple(Column.create(c.name, c.type, c.comment) for c in statement.partition_keys))
            if statement.lifecycle is not None and statement.lifecycle <= 0:
                raise SqlError.semantic(f"LIFECYCLE must be a positive number of days, got {statement.lifecycle}")
            self._catalog.create_table(project, check_name("table", name), schema, statement.comment,
                                       statement.lifecycle, statement.if_not_exists)
            return None
        if isinstance(statement, sql.DropTable):
            with self._catalog.lock:
                table = self._catalog.drop_table(project, name.lower(), statement.if_exists)
                if table is not None:
                    self._storage.drop(table.table_id)
                    self._tunnel.drop_uploads_of(table.table_id)
            return None
        table = self._catalog.table(project, name)
        if isinstance(statement, sql.AddPartitions):
            self._add_partitions(table, statement)
        elif isinstance(statement, sql.DropPartitions):
            self._drop_partitions(table, statement)
        elif isinstance(statement, sql.Truncate):
            self._truncate(table, statement)
        elif isinstance(statement, sql.Select):
            return self._select(table, statement)
        return None

    def _specs(self, table: Table, specs: tuple) -> list[tuple[str, ...]]:
        return [partitionspec.resolve(table.schema, list(spec), table.full_name) for spec in specs]

    def _add_partitions(self, table: Table, statement: sql.AddPartitions) -> None:
        with self._catalog.lock:
            values_list = self._specs(table, statement.specs)
            if not statement.if_not_exists:
                for values in values_list:
                    if values in table.partitions:
                        spec = partitionspec.format_spec(table.schema, values)
                        raise SqlError.semantic(f"Partition already exists - ({spec}) of {table.full_name}")
            for values in values_list:
                self._catalog.add_partition(table, values, if_not_exists=True)

    def _drop_partitions(self, table: Table, statement: sql.DropPartitions) -> None:
        with self._catalog.lock:
            values_list = self._specs(table, statement.specs)
            if not statement.if_exists:
                for values in values_list:
                    table.partition(values)
            for values in values_list:
                partition = self._catalog.drop_partition(table, values, if_exists=True)
                if partition is not None:
                    self._storage.drop(table.table_id, partition.partition_id)

    def _truncate(self, table: Table, statement: sql.Truncate) -> None:
        with self._catalog.lock:
            if not table.partitioned:
                if statement.specs:
                    raise SqlError.semantic(f"table {table.full_name} is not partitioned")
                targets = [None]
            elif statement.specs:
                targets = self._specs(table, statement.specs)
                for values in targets:
                    table.partition(values)
            else:
                targets = list(table.partitions)
            for values in targets:
                self._storage.truncate(*table.storage_ids(values))

    def _select(self, table: Table, statement: sql.Select) -> ResultSet:
        schema = table.schema
        key_names = [k.name for k in schema.partition_keys]
        for column_name, _ in statement.where:
            if schema.column(column_name) is None:
                raise SqlError.semantic(f"column {column_name} cannot be resolved in {table.full_name}")
        key_filter = {k: partitionspec.check_value(schema, k, v) for k, v in statement.where if k in key_names}
        row_filter = [(k, v) for k, v in statement.where if k not in key_names]
        if statement.columns is None:
            names = schema.column_names + key_names
        else:
            names = list(statement.columns)
            unknown = [n for n in names if schema.column(n) is None]
            if unknown:
                raise SqlError.semantic(f"column {unknown[0]} cannot be resolved in {table.full_name}")
        with self._catalog.lock:
            targets = [None] if not table.partitioned else sorted(
                v for v in table.partitions if all(v[key_names.index(k)] == x for k, x in key_filter.items()))
        pieces = []
        for values in targets:
            ids = table.storage_ids(values)
            data = self._storage.read(*ids, self._storage.snapshot(*ids), schema.arrow_schema())
            data = _filter_rows(data, schema, row_filter)
            for key, value in zip(schema.partition_keys, values or ()):
                data = data.append_column(pa.field(key.name, key.arrow_type),
                                          pa.array([value] * data.num_rows).cast(key.arrow_type))
            pieces.append(data)
        if statement.count:
            total = sum(p.num_rows for p in pieces)
            return ResultSet(pa.table({"_c0": pa.array([total], pa.int64())}), [Column("_c0", "bigint")])
        columns = [schema.column(n) for n in names]
        result_schema = pa.schema([pa.field(c.name, c.arrow_type) for c in columns])
        result = pa.concat_tables([p.select(names) for p in pieces]) if pieces else result_schema.empty_table()
        if statement.limit is not None:
            result = result.slice(0, statement.limit)
        return ResultSet(result, columns)


def _filter_rows(data: pa.Table, schema: TableSchema, conditions: list[tuple[str, str]]) -> pa.Table:
    for name, literal in conditions:
        column = schema.column(name)
        try:
            value = pa.scalar(literal).cast(column.arrow_type)
        except (pa.ArrowException, ValueError) as exc:
            raise SqlError.semantic(f"{literal!r} cannot be compared with column {name} of type {column.type}") from exc
        data = data.filter(pc.fill_null(pc.equal(data.column(name), value), False))
    return data


def _csv(result: pa.Table) -> str:
    """The task result as the service renders a SELECT: a CSV header, then rows (NULL as \\N)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.schema.names)
    for row in result.to_pylist():
        writer.writerow([_csv_value(v) for v in row.values()])
    return out.getvalue()


def _csv_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat") and hasattr(value, "hour"):
        return value.isoformat(sep=" ")
    return str(value)
