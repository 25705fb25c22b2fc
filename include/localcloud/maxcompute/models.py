"""The state of the local MaxCompute as plain records, no wire format: tables and partitions,
committed data files and snapshots, SQL instances and their results, tunnel sessions.

The operations on them live beside, named for what they keep: :mod:`localcloud.maxcompute.catalog`
(projects, tables, partitions: ``catalog.json``), :mod:`localcloud.maxcompute.storage` (committed
Parquet data and manifests), :mod:`localcloud.maxcompute.instances` (running SQL),
:mod:`localcloud.maxcompute.tunnel` (upload and download sessions). The answers built from them
are :mod:`localcloud.maxcompute.responses`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pyarrow as pa

from localcloud.maxcompute.errors import no_such_partition
from localcloud.maxcompute.partitionspec import format_spec
from localcloud.maxcompute.schema import Column, TableSchema

# --- catalog ---------------------------------------------------------------------------------------
UNPARTITIONED = "_"  # storage id of the single data set of an unpartitioned table


@dataclass
class Partition:
    values: tuple[str, ...]
    partition_id: str
    created: float
    ddl_time: float


@dataclass
class Table:
    project: str
    name: str
    table_id: str
    schema: TableSchema
    comment: str = ""
    lifecycle: int | None = None
    created: float = field(default_factory=time.time)
    ddl_time: float = field(default_factory=time.time)
    partitions: dict[tuple[str, ...], Partition] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.project}.{self.name}"

    @property
    def partitioned(self) -> bool:
        return bool(self.schema.partition_keys)

    def partition(self, values: tuple[str, ...]) -> Partition:
        try:
            return self.partitions[values]
        except KeyError:
            raise no_such_partition(self.full_name, format_spec(self.schema, values)) from None

    def storage_ids(self, values: tuple[str, ...] | None) -> tuple[str, str]:
        """(table id, partition id) naming the data of a partition (or of the whole table)."""
        if not self.partitioned:
            return self.table_id, UNPARTITIONED
        return self.table_id, self.partition(values).partition_id

    def to_json(self) -> dict:
        return {
            "name": self.name, "table_id": self.table_id, "schema": self.schema.to_json(),
            "comment": self.comment, "lifecycle": self.lifecycle, "created": self.created,
            "ddl_time": self.ddl_time,
            "partitions": [{"values": list(p.values), "id": p.partition_id, "created": p.created,
                            "ddl_time": p.ddl_time} for p in self.partitions.values()],
        }

    @classmethod
    def from_json(cls, project: str, data: dict) -> Table:
        table = cls(project, data["name"], data["table_id"], TableSchema.from_json(data["schema"]),
                    data.get("comment", ""), data.get("lifecycle"), data["created"], data["ddl_time"])
        for p in data["partitions"]:
            values = tuple(p["values"])
            table.partitions[values] = Partition(values, p["id"], p["created"], p["ddl_time"])
        return table


# --- committed data --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DataFile:
    name: str
    rows: int
    size: int


@dataclass(frozen=True)
class Snapshot:
    """The committed data of one partition at one version."""

    version: int
    files: tuple[DataFile, ...]
    modified: float
    commit_ids: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


EMPTY = Snapshot(0, (), 0.0)


# --- SQL instances ---------------------------------------------------------------------------------
RUNNING, TERMINATED = "Running", "Terminated"
SUCCESS, FAILED, CANCELLED = "Success", "Failed", "Cancelled"


@dataclass(frozen=True)
class ResultSet:
    """Rows of a SELECT and the types of its columns."""

    table: pa.Table
    columns: list[Column]


@dataclass
class Instance:
    instance_id: str
    project: str
    task_name: str
    query: str
    job_xml: str
    status: str = RUNNING
    task_status: str = RUNNING
    result_text: str = ""
    result_columns: list[Column] | None = None
    start: float = field(default_factory=time.time)
    end: float | None = None

    def to_json(self) -> dict:
        data = dict(self.__dict__)
        data["result_columns"] = None if self.result_columns is None else [c.to_json() for c in self.result_columns]
        return data

    @classmethod
    def from_json(cls, data: dict) -> Instance:
        data = dict(data)
        if data["result_columns"] is not None:
            data["result_columns"] = [Column.from_json(c) for c in data["result_columns"]]
        return cls(**data)


# --- tunnel sessions -------------------------------------------------------------------------------
@dataclass
class UploadSession:
    upload_id: str
    project: str
    table: str
    table_id: str
    partition: tuple[str, ...] | None
    overwrite: bool
    status: str = "NORMAL"  # NORMAL until committed, then CLOSED
    created: float = field(default_factory=time.time)
    blocks: dict[int, DataFile] = field(default_factory=dict)

    def to_json(self) -> dict:
        data = dict(self.__dict__)
        data["blocks"] = {str(k): v.__dict__ for k, v in self.blocks.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> UploadSession:
        data = dict(data)
        data["partition"] = tuple(data["partition"]) if data["partition"] is not None else None
        data["blocks"] = {int(k): DataFile(**v) for k, v in data["blocks"].items()}
        return cls(**data)


@dataclass(frozen=True)
class DownloadSession:
    download_id: str
    project: str
    table: str
    table_id: str
    partition: tuple[str, ...] | None
    version: int
    count: int
    created: float
