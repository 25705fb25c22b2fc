"""The typed readers: OTSReader and OTSStreamReader (the seed's), OSSReader (restore).

Each argument is a parameter of Data Integration's plugin of the same name, with the same meaning,
spelled in snake_case (the job's name is in the argument's description). ``docs/python-api.md``
lists them all.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from tablestore_channels.api.arguments import OSSCalls, PluginArguments, TablestoreCalls, Templated
from tablestore_channels.config import connection_ids
from tablestore_channels.plugins.otsstreamreader.config import DEFAULT_STATUS_TABLE, TIME_KEYS

# A column list: names, or (OTSReader) constants as {"type": ..., "value": ...}.
Columns = list[str | dict[str, Any]] | Templated | None
FileFormat = Literal["csv", "text", "parquet"] | Templated
Compression = Literal["none", "gzip"] | Templated


class OTSRange(BaseModel):
    """The primary-key range of :class:`OTSReader`, as DataX's ``range``: each bound a list of
    ``{"type": "string" | "int" | "binary" | "INF_MIN" | "INF_MAX", "value": ...}``, one per
    primary-key column (a prefix is allowed); ``split``: inner boundaries of the first column."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    begin: list[dict[str, Any]] | None = None
    end: list[dict[str, Any]] | None = None
    split: list[dict[str, Any]] | None = None


class OTSTimeRange(BaseModel):
    """Versions of :class:`OTSReader` in mode ``multiVersion``: ``[begin, end)`` in epoch ms."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    begin: int | Templated | None = None
    end: int | Templated | None = None


class OTSReader(TablestoreCalls):
    """OTSReader: reads a Tablestore table's rows (a full export), split by primary-key range."""

    PLUGIN: ClassVar[str] = "ots"
    ROLE: ClassVar[str] = "reader"

    table: str | Templated = Field(description="Table to read. Job: `table`.")
    columns: Columns = Field(
        None, serialization_alias="column",
        description="Output columns in order: names, or constants `{\"type\": \"string\", \"value\": \"x\"}`; "
                    "None = the primary key and the table's predefined columns. Job: `column`.")
    mode: Literal["normal", "multiVersion"] | Templated = Field(
        "normal", description="normal: one record per row (newest versions); multiVersion: one record per cell "
                              "version (pk..., column, timestamp, value). Job: `mode`.")
    range: OTSRange | None = Field(None, description="Primary-key range to read; None = the whole table. Job: `range`.")
    time_range: OTSTimeRange | None = Field(
        None, serialization_alias="timeRange", description="multiVersion only: versions to read. Job: `timeRange`.")
    max_version: int | Templated | None = Field(
        None, serialization_alias="maxVersion", description="multiVersion only: versions per cell. Job: `maxVersion`.")


class OTSStreamReader(PluginArguments):
    """OTSStreamReader: the changes a table's Stream committed in a window ``[start, end)``.

    In a :class:`~tablestore_channels.api.channel.TablestoreStreamChannel` leave the window's
    arguments unset: the channel derives it from the run (``[t - lag - window, t - lag)``, the
    seed's ts-10min..ts-5min with the defaults)."""

    PLUGIN: ClassVar[str] = "otsstream"
    ROLE: ClassVar[str] = "reader"

    tablestore_conn_id: str | Templated = Field(
        connection_ids.TABLESTORE, serialization_alias="datasource",
        description="Airflow connection (type tablestore) of the instance. Job: `datasource`.")
    data_table: str | Templated = Field(serialization_alias="dataTable",
                                        description="Table whose stream is read. Job: `dataTable`.")
    status_table: str | Templated = Field(
        DEFAULT_STATUS_TABLE, serialization_alias="statusTable",
        description="Table of the shard checkpoints, created if absent. Job: `statusTable`.")
    mode: Literal["multi_version", "single_version_and_update_only"] | Templated = Field(
        "multi_version", description="multi_version: one record per cell change (replayable); "
                                     "single_version_and_update_only: one record per changed row with `columns`. "
                                     "Job: `mode`.")
    columns: Columns = Field(
        None, serialization_alias="column",
        description="single_version_and_update_only: the output columns (names, or `{\"name\": ...}`), in order. "
                    "Job: `column`.")
    export_sequence_info: bool | Templated = Field(
        False, serialization_alias="isExportSequenceInfo",
        description="multi_version: add each change's sequence info. Job: `isExportSequenceInfo`.")
    window_minutes: float | Templated = Field(
        5.0, serialization_alias="windowMinutes", description="Length of each run's window. Job: `windowMinutes`.")
    lag_minutes: float | Templated = Field(
        5.0, serialization_alias="lagMinutes",
        description="How long changes settle before their window is read. Job: `lagMinutes`.")
    allow_data_loss: bool | Templated = Field(
        False, serialization_alias="allowDataLoss",
        description="Go on past changes the stream no longer holds (else fail naming the lost range). "
                    "Job: `allowDataLoss`.")
    max_retries: int | Templated = Field(30, serialization_alias="maxRetries",
                                         description="Retries of each stream call. Job: `maxRetries`.")
    time_zone: str | None = Field(
        None, serialization_alias="timeZone",
        description="Zone of the wall-clock times below (`date`, `*_time_string`); None = UTC. Job: `timeZone`.")
    start_timestamp_millis: int | str | None = Field(
        None, serialization_alias="startTimestampMillis",
        description="Window start, epoch ms or ISO 8601 with offset; unset in a stream channel. "
                    "Job: `startTimestampMillis`.")
    end_timestamp_millis: int | str | None = Field(
        None, serialization_alias="endTimestampMillis", description="Window end (exclusive). Job: `endTimestampMillis`.")
    start_time_string: str | None = Field(
        None, serialization_alias="startTimeString",
        description="Window start as `yyyyMMddHHmmss` in `time_zone`. Job: `startTimeString`.")
    end_time_string: str | None = Field(
        None, serialization_alias="endTimeString", description="Window end as `yyyyMMddHHmmss`. Job: `endTimeString`.")
    date: str | None = Field(None, description="A whole day, `yyyyMMdd` in `time_zone`. Job: `date`.")

    @property
    def has_window(self) -> bool:
        """True when the window is given here (else a stream channel derives it from the run)."""
        return any(self.to_parameter().get(key) is not None for key in (*TIME_KEYS, "date"))

    def _completed(self, parameter: dict[str, Any]) -> dict[str, Any]:
        if not self.has_window:  # a stream channel fills it in: check the rest
            parameter = {**parameter, "startTimestampMillis": "{{ the run's window }}"}
        return parameter


class OSSReader(OSSCalls):
    """OSSReader: reads objects of a bucket (restore of an export), by prefix / key or by an
    export's manifest (exactly its objects, committed)."""

    PLUGIN: ClassVar[str] = "oss"
    ROLE: ClassVar[str] = "reader"

    objects: list[str] | str | None = Field(
        None, serialization_alias="object",
        description="Keys or prefixes (`*` / `?` wildcards); give this or `manifest`. Job: `object`.")
    manifest: str | Templated | None = Field(
        None, description="An export's manifest key, or a prefix: its newest export. Job: `manifest`.")
    columns: Columns = Field(
        None, serialization_alias="column",
        description="Fields to read: `{\"index\": i, \"type\": t}` or constants; None = all, as text. Job: `column`.")
    file_format: FileFormat | None = Field(
        None, serialization_alias="fileFormat", description="None = the manifest's, else text. Job: `fileFormat`.")
    field_delimiter: str | None = Field(None, serialization_alias="fieldDelimiter",
                                        description="csv / text delimiter. Job: `fieldDelimiter`.")
    encoding: str | None = Field(None, description="csv / text encoding. Job: `encoding`.")
    null_format: str | None = Field(None, serialization_alias="nullFormat",
                                    description="The text that reads as null. Job: `nullFormat`.")
    compress: Compression | None = Field(None, description="None = gzip for keys ending .gz. Job: `compress`.")
    skip_header: bool | Templated | None = Field(None, serialization_alias="skipHeader",
                                                 description="Skip each object's first line. Job: `skipHeader`.")
