"""Projects, tables and partitions: the metadata of the local MaxCompute, kept in one JSON file.

Every change rewrites ``catalog.json`` atomically (temporary file + ``os.replace``), so a crash
leaves either the old or the new catalog. Tables and partitions carry generated ids; their data
lives under those ids (see :mod:`localcloud.maxcompute.storage`), so a dropped and re-created
table never sees old data.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from pathlib import Path

from localcloud.maxcompute.errors import MaxComputeError, no_such_table
from localcloud.maxcompute.models import Partition, Table
from localcloud.maxcompute.partitionspec import format_spec
from localcloud.maxcompute.schema import TableSchema


class Catalog:
    """Thread-safe metadata store. Mutations persist before they return."""

    def __init__(self, path: Path, projects: list[str]) -> None:
        self._path = path
        self._lock = threading.RLock()
        self._projects: dict[str, dict[str, Table]] = {}
        if path.exists():
            data = json.loads(path.read_text())
            for project, tables in data["projects"].items():
                self._projects[project] = {t["name"]: Table.from_json(project, t) for t in tables}
        for project in projects:
            self._projects.setdefault(project, {})
        self._save()

    @property
    def lock(self) -> threading.RLock:
        """Held while a change spans catalog and storage (drop, commit with a new partition)."""
        return self._lock

    def _save(self) -> None:
        data = {"projects": {p: [t.to_json() for t in tables.values()]
                             for p, tables in self._projects.items()}}
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_name(f".{self._path.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self._path)

    def _tables(self, project: str) -> dict[str, Table]:
        try:
            return self._projects[project]
        except KeyError:
            raise MaxComputeError("NoSuchProject", f"ODPS-0420111:Project not found - '{project}'") from None

    def has_project(self, project: str) -> bool:
        return project in self._projects

    def table(self, project: str, name: str) -> Table:
        with self._lock:
            table = self._tables(project).get(name.lower())
            if table is None:
                raise no_such_table(project, name.lower())
            return table

    def tables(self, project: str, prefix: str = "") -> list[Table]:
        with self._lock:
            return sorted((t for t in self._tables(project).values() if t.name.startswith(prefix.lower())),
                          key=lambda t: t.name)

    def table_ids(self) -> set[str]:
        with self._lock:
            return {t.table_id for tables in self._projects.values() for t in tables.values()}

    def create_table(self, project: str, name: str, schema: TableSchema, comment: str = "",
                     lifecycle: int | None = None, if_not_exists: bool = False) -> Table:
        with self._lock:
            tables = self._tables(project)
            if name in tables:
                if if_not_exists:
                    return tables[name]
                raise MaxComputeError("ObjectAlreadyExists", f"Table or view already exists - {project}.{name}")
            table = Table(project, name, uuid.uuid4().hex, schema, comment, lifecycle)
            tables[name] = table
            self._save()
            return table

    def drop_table(self, project: str, name: str, if_exists: bool = False) -> Table | None:
        with self._lock:
            tables = self._tables(project)
            if name not in tables:
                if if_exists:
                    return None
                raise no_such_table(project, name)
            table = tables.pop(name)
            self._save()
            return table

    def add_partition(self, table: Table, values: tuple[str, ...], if_not_exists: bool = False) -> Partition:
        with self._lock:
            if values in table.partitions:
                if if_not_exists:
                    return table.partitions[values]
                raise MaxComputeError("ObjectAlreadyExists", f"Partition already exists - "
                                      f"({format_spec(table.schema, values)}) of {table.full_name}")
            now = time.time()
            partition = Partition(values, uuid.uuid4().hex, now, now)
            table.partitions[values] = partition
            self._save()
            return partition

    def drop_partition(self, table: Table, values: tuple[str, ...], if_exists: bool = False) -> Partition | None:
        with self._lock:
            if values not in table.partitions:
                if if_exists:
                    return None
                table.partition(values)  # raises the service's error
            partition = table.partitions.pop(values)
            self._save()
            return partition
