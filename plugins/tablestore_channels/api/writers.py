"""The typed writers: OSSWriter and ODPSWriter (the seed's), OTSWriter (restore).

Each argument is a parameter of Data Integration's plugin of the same name, with the same meaning,
spelled in snake_case (the job's name is in the argument's description). ``docs/python-api.md``
lists them all.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from tablestore_channels.api.arguments import OSSCalls, PluginArguments, TablestoreCalls, Templated
from tablestore_channels.api.readers import Compression, FileFormat
from tablestore_channels.config import connection_ids

# Typed columns of a Tablestore table: {"name": ..., "type": "string" | "int" | "double" | "bool" | "binary"}.
TypedColumns = list[dict[str, Any]] | Templated


class OSSWriter(OSSCalls):
    """OSSWriter: writes records as objects (csv, text or parquet) under a prefix, committed by a
    manifest object. In a stream channel each window gets the folder ``<yyyymmdd>/<start>-<end>/``
    under ``object``."""

    PLUGIN: ClassVar[str] = "oss"
    ROLE: ClassVar[str] = "writer"

    object: str | Templated = Field(description="Prefix of every object the run writes. Job: `object`.")
    write_mode: Literal["truncate", "append", "nonConflict"] | Templated = Field(
        serialization_alias="writeMode",
        description="truncate: replace what is under the prefix at the commit; append: add to it; nonConflict: "
                    "refuse when objects are there. Job: `writeMode`.")
    file_format: FileFormat = Field("text", serialization_alias="fileFormat", description="Job: `fileFormat`.")
    field_delimiter: str | None = Field(None, serialization_alias="fieldDelimiter",
                                        description="csv / text delimiter; None = `,`. Job: `fieldDelimiter`.")
    encoding: str | None = Field(None, description="csv / text encoding; None = UTF-8. Job: `encoding`.")
    null_format: str | None = Field(None, serialization_alias="nullFormat",
                                    description="How csv / text write a null; None = `null`. Job: `nullFormat`.")
    date_format: str | None = Field(None, serialization_alias="dateFormat",
                                    description="Java pattern of dates in csv / text. Job: `dateFormat`.")
    header: list[str] | Templated | None = Field(None, description="csv / text header line. Job: `header`.")
    suffix: str | Templated | None = Field(None, description="Object name suffix. Job: `suffix`.")
    max_file_size_mb: int | Templated | None = Field(
        None, serialization_alias="maxFileSize", description="Start a new object after this many MB. Job: `maxFileSize`.")
    compress: Compression | None = Field(None, description="csv / text: gzip or none. Job: `compress`.")


class ODPSWriter(PluginArguments):
    """ODPSWriter: loads records into a MaxCompute table or partition through one tunnel upload
    session, committed once (all or nothing)."""

    PLUGIN: ClassVar[str] = "odps"
    ROLE: ClassVar[str] = "writer"

    maxcompute_conn_id: str | Templated = Field(
        connection_ids.MAXCOMPUTE, serialization_alias="datasource",
        description="Airflow connection (type maxcompute) of the project. Job: `datasource`.")
    table: str | Templated = Field(description="Target table; it must exist. Job: `table`.")
    columns: list[str] | Templated = Field(
        ["*"], serialization_alias="column",
        description="Target columns, one per record field; `[\"*\"]` = all, in table order. Job: `column`.")
    partition: str | Templated | None = Field(
        None, description="Partition spec, e.g. `pt=20260101,region=hz`; in a stream channel `${window_start}` "
                          "is the window's start (yyyyMMddHHmmss, UTC). Job: `partition`.")
    truncate: bool | Templated = Field(
        description="Replace the table or partition at the commit (else append). Job: `truncate`.")
    empty_as_null: bool | Templated = Field(False, serialization_alias="emptyAsNull",
                                            description="Write empty strings as NULL. Job: `emptyAsNull`.")
    block_size_mb: int | Templated = Field(64, serialization_alias="blockSizeInMB",
                                           description="Tunnel block size. Job: `blockSizeInMB`.")


class OTSWriter(TablestoreCalls):
    """OTSWriter: writes records as rows of a Tablestore table (restore), in BatchWriteRow calls."""

    PLUGIN: ClassVar[str] = "ots"
    ROLE: ClassVar[str] = "writer"

    table: str | Templated = Field(description="Target table. Job: `table`.")
    primary_key: TypedColumns = Field(
        serialization_alias="primaryKey",
        description="The table's primary-key columns in order, `{\"name\", \"type\"}`. Job: `primaryKey`.")
    columns: TypedColumns | None = Field(
        None, serialization_alias="column", description="Attribute columns, `{\"name\", \"type\"}`. Job: `column`.")
    write_mode: Literal["PutRow", "UpdateRow"] | Templated = Field(
        "PutRow", serialization_alias="writeMode",
        description="PutRow replaces each row; UpdateRow changes only the given columns. Job: `writeMode`.")
    batch_write_count: int | Templated = Field(
        100, serialization_alias="batchWriteCount", description="Rows per BatchWriteRow (<= 200). Job: `batchWriteCount`.")
    create_table_if_missing: bool | Templated = Field(
        False, serialization_alias="createTableIfMissing",
        description="Create the table from `primary_key` / `columns` when it does not exist. Job: `createTableIfMissing`.")
