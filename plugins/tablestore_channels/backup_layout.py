"""The backup layout, in one place: where exports go in OSS and what their manifests say.

The OSS writer writes it; the OSS reader (a restore), the point-in-time planner, lineage and the
bundled DAGs' default prefixes read it from here. ``docs/manifest.md`` describes it for people.

Folders (the bundled DAGs' defaults; a writer's ``object`` may be any prefix)::

    tablestore/<table>/<yyyymmdd>/<HHmmss>/              a full export, by the run's time (UTC)
    <instance>/<table>/<yyyymmdd>/<start>-<end>/         a stream window, its bounds to the second (UTC)

Objects of one run, deterministic per (run, split, part)::

    <object>[_]<run_key>_<split:05d>_<part:05d><suffix>[.gz]     data
    <object>[_]<run_key>_<split:05d>_dirty.jsonl                 dirty records of a split
    <object>[_]<run_key>_manifest.json                           the commit point

(``_`` is added when ``object`` does not end with ``/``.) The manifest is a :class:`Manifest`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field, model_serializer

MANIFEST_VERSION = 1
MANIFEST_SUFFIX = "_manifest.json"
DIRTY_SUFFIX = "_dirty.jsonl"
# What the writer puts beside the data: never data to restore.
BOOKKEEPING_SUFFIXES = (MANIFEST_SUFFIX, DIRTY_SUFFIX)

_FOLDER_TIME = "%Y%m%d%H%M%S"
_WINDOW_FOLDER = re.compile(r"(\d{8})/(\d{14})-(\d{14})/")
# what a per-run folder adds at the end of a prefix: the day, and the run's time or window
_RUN_FOLDERS = re.compile(r"\d{8}/(\d{6}/|\d{14}-\d{14}/)?$")


def iso(ms: int) -> str:
    """Epoch milliseconds as ISO 8601 in UTC to the millisecond, as manifests write times."""
    return _utc(ms).isoformat(timespec="milliseconds")


def _utc(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


# --- folders -------------------------------------------------------------------------------------

def export_prefix(table: str) -> str:
    """Where the bundled DAGs put a table's full exports (the macro ``export_prefix``)."""
    return f"tablestore/{table}/"


def stream_prefix(instance: str, table: str) -> str:
    """Where the bundled DAGs put a table's stream windows (the macro ``stream_prefix``)."""
    return f"{instance}/{table}/"


def export_folder(run_time: dt.datetime) -> str:
    """``<yyyymmdd>/<HHmmss>/`` of a full export run at ``run_time`` (UTC; the macro
    ``export_folder``): one folder per run, so two exports of a day both stay."""
    moment = run_time.astimezone(dt.UTC)
    return f"{moment:%Y%m%d}/{moment:%H%M%S}/"


def window_folder(start_ms: int, end_ms: int) -> str:
    """``<yyyymmdd>/<start>-<end>/`` of the window ``[start_ms, end_ms)``: its bounds in UTC to
    the second, the day of its start."""
    start, end = _utc(start_ms), _utc(end_ms)
    return f"{start:%Y%m%d}/{start.strftime(_FOLDER_TIME)}-{end.strftime(_FOLDER_TIME)}/"


@dataclass(frozen=True)
class WindowFolder:
    """A window folder found under a stream prefix. Its name holds the bounds to the second:
    the window itself may end up to a second after ``end_ms``."""

    path: str  # the key up to and with the folder's trailing '/'
    start_ms: int
    end_ms: int

    @classmethod
    def of(cls, key: str, prefix: str) -> WindowFolder | None:
        """The window folder ``key`` is in, directly under ``prefix``; None when it is not in one."""
        match = _WINDOW_FOLDER.match(key, len(prefix)) if key.startswith(prefix) else None
        if match is None:
            return None
        return cls(key[:match.end()], _folder_ms(match.group(2)), _folder_ms(match.group(3)))


def _folder_ms(text: str) -> int:
    return int(dt.datetime.strptime(text, _FOLDER_TIME).replace(tzinfo=dt.UTC).timestamp() * 1000)


def day_folders(from_ms: int, to_ms: int) -> Iterator[str]:
    """``<yyyymmdd>/`` of every UTC day from ``from_ms`` to ``to_ms``: where windows of that time are."""
    day, last = _utc(from_ms).date(), _utc(to_ms).date()
    while day <= last:
        yield f"{day:%Y%m%d}/"
        day += dt.timedelta(days=1)


def without_run_folders(prefix: str) -> str:
    """``prefix`` without the per-run folders the bundled DAGs add (the day, and the run's time or
    window): what every run of one export or stream sync has in common, e.g. its asset."""
    return _RUN_FOLDERS.sub("", prefix)


def macros() -> dict[str, Any]:
    """The functions DAG templates call for the default folders."""
    return {"export_prefix": export_prefix, "stream_prefix": stream_prefix, "export_folder": export_folder}


# --- object names --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ObjectLayout:
    """The object names of one run."""

    prefix: str
    run_key: str
    suffix: str

    @property
    def run_prefix(self) -> str:
        base = self.prefix if self.prefix.endswith("/") else f"{self.prefix}_"
        return f"{base}{self.run_key}_"

    def data_key(self, split: int, part: int) -> str:
        return f"{self.run_prefix}{split:05d}_{part:05d}{self.suffix}"

    def dirty_key(self, split: int) -> str:
        return f"{self.run_prefix}{split:05d}{DIRTY_SUFFIX}"

    @property
    def manifest_key(self) -> str:
        return f"{self.run_prefix}{MANIFEST_SUFFIX[1:]}"


# --- the manifest --------------------------------------------------------------------------------

class ManifestError(ValueError):
    """A body that is not a manifest this version reads; the message says what is wrong."""


class _Part(BaseModel):
    # extra keys are ignored: a later version may add fields that this one does not need
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class TableSource(_Part):
    """What a full export (``plugin: ots``) read: the table, its key, and how it was read."""

    plugin: Literal["ots"] = "ots"
    table: str
    mode: str
    columns: tuple[str, ...]  # the reader's named columns; empty: every column
    whole_table: bool  # the whole key range, forwards, with no time range
    max_version: int | None
    primary_key: tuple[tuple[str, str], ...]
    defined_columns: tuple[tuple[str, str], ...]
    table_max_versions: int
    table_time_to_live: int


class WindowSource(_Part):
    """What a stream window (``plugin: otsstream``) read: ``[start_ms, end_ms)`` of a table's stream."""

    plugin: Literal["otsstream"] = "otsstream"
    table: str
    mode: str
    sequence_info: bool
    start_ms: int
    end_ms: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def start(self) -> str:
        return iso(self.start_ms)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def end(self) -> str:
        return iso(self.end_ms)


Source = Annotated[TableSource | WindowSource, Field(discriminator="plugin")]


class ManifestFormat(_Part):
    """How the data objects are encoded (the writer's settings, DataX's key names). The writer
    records every field; a manifest written by other tools may leave some out."""

    file_format: str | None = Field(None, alias="fileFormat")
    field_delimiter: str | None = Field(None, alias="fieldDelimiter")
    encoding: str | None = None
    null_format: str | None = Field(None, alias="nullFormat")
    date_format: str | None = Field(None, alias="dateFormat")
    compress: str | None = None
    header: bool | None = None
    columns: tuple[str, ...] = ()

    def to_parameter(self) -> dict[str, Any]:
        """The settings the manifest gives, by their keys (a reader's defaults come from them)."""
        return self.model_dump(by_alias=True, mode="json", exclude_none=True)


class ManifestObject(_Part):
    """One data object: a restore reads ``key`` and checks ``bytes`` and ``sha256``."""

    key: str
    split: int | None = None
    part: int | None = None
    rows: int | None = None
    parquet_schema: dict[str, str] | None = Field(None, alias="schema")  # column -> Parquet kind
    size: int = Field(alias="bytes")
    sha256: str | None = None

    @model_serializer(mode="wrap")
    def _without_absent(self, handler: Any) -> dict[str, Any]:
        # a csv/text object has no schema: the key is left out, not written as null
        return {k: v for k, v in handler(self).items() if v is not None}


class Totals(_Part):
    rows: int
    size: int = Field(alias="bytes")
    objects: int
    dirty: int


class Manifest(_Part):
    """An export's manifest: the objects of one committed run and what was read. Written last,
    it is the commit point. ``to_json`` writes the same layout ``from_json`` reads; a manifest of
    an earlier version stays readable. Required are what a restore cannot do without (the
    version and the objects' keys and sizes); the OSS writer records every field."""

    manifest_version: int = MANIFEST_VERSION
    # the run's details: absent in manifests of runs outside Airflow
    dag_id: str | None = None
    run_id: str | None = None
    logical_date: str | None = None
    read: int | None = None
    # when the splits read (the worker's clock): absent when a run did not record it
    read_started_at: str | None = None
    read_started_at_ms: int | None = None
    read_finished_at: str | None = None
    read_finished_at_ms: int | None = None
    source: Source | None = None
    # where and what the run wrote: the writer records them, no restore needs them
    bucket: str | None = None
    prefix: str | None = None
    run_key: str | None = None
    format: ManifestFormat = ManifestFormat()
    objects: tuple[ManifestObject, ...]
    dirty_objects: tuple[str, ...] = ()
    totals: Totals | None = None

    def to_json(self) -> bytes:
        # fields a run did not record are left out (the layout of docs/manifest.md)
        fields = {k: v for k, v in self.model_dump(by_alias=True, mode="json").items() if v is not None}
        return json.dumps(fields, indent=2, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, body: bytes | str) -> Manifest:
        """The manifest in ``body``; :class:`ManifestError` naming the problem when it is not one
        this version reads (not JSON, another ``manifest_version``, a missing or wrong field)."""
        try:
            fields = json.loads(body)
        except ValueError as error:
            raise ManifestError(f"not JSON ({error})") from None
        if not isinstance(fields, dict):
            raise ManifestError(f"not a JSON object but {type(fields).__name__}")
        version = fields.get("manifest_version")
        if version != MANIFEST_VERSION:
            raise ManifestError(f"manifest_version {version!r}: this version of the package reads "
                                f"{MANIFEST_VERSION}" + (" (written by a newer version: upgrade to read it)"
                                                         if isinstance(version, int) and version > MANIFEST_VERSION
                                                         else ""))
        try:
            return cls.model_validate(fields)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:3])
            raise ManifestError(problems) from None
