"""OSSReader parameters (``reader.plugin: oss``), with DataX's names and meanings.

Format settings left out of the job are ``None`` here: with a ``manifest`` they default to the
export's own settings (:meth:`OSSReaderConfig.format_for`), otherwise to DataX's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tablestore_channels.config import connection_ids
from tablestore_channels.config.parameters import JobKeys, Parameters, as_int
from tablestore_channels.datasets import Dataset, Namespaces, oss_prefix
from tablestore_channels.errors import ConfigError, DirtyRecord
from tablestore_channels.formats import COMPRESSIONS, FILE_FORMATS
from tablestore_channels.formats.values import parse_value

# Column types, with DataX ossreader's spellings as aliases.
COLUMN_TYPES = {"string": "string", "int": "int", "long": "int", "double": "double", "bool": "bool",
                "boolean": "bool", "binary": "binary", "bytes": "binary"}
_DEFAULTS = {"fileFormat": "csv", "fieldDelimiter": ",", "encoding": "UTF-8", "nullFormat": "null",
             "compress": None, "skipHeader": False}


@dataclass(frozen=True)
class SourceColumn:
    """One output field: the source field at ``index`` converted to ``type``, or a constant."""

    type: str
    index: int | None = None
    constant: Any = None

    @property
    def is_constant(self) -> bool:
        return self.index is None


@dataclass(frozen=True)
class FileSettings:
    """How the objects are encoded, once the job's settings and the manifest's are merged.
    ``compress`` None = gzip for keys ending in ``.gz``, plain otherwise."""

    file_format: str
    field_delimiter: str
    encoding: str
    null_format: str
    compress: str | None
    skip_header: bool

    def to_json(self) -> dict:
        return {"fileFormat": self.file_format, "fieldDelimiter": self.field_delimiter,
                "encoding": self.encoding, "nullFormat": self.null_format, "compress": self.compress,
                "skipHeader": self.skip_header}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FileSettings:
        return cls(data["fileFormat"], data["fieldDelimiter"], data["encoding"], data["nullFormat"],
                   data["compress"], data["skipHeader"])


@dataclass(frozen=True)
class OSSReaderConfig(JobKeys):
    """Validated OSSReader parameters.

    Exactly one source: ``objects`` (prefixes or keys, ``*``/``?`` wildcards allowed) or
    ``manifest`` (the key of an export's manifest, ``..._manifest.json``: exactly the objects it
    lists are read; or a prefix: the newest export committed under it).
    ``columns`` empty = every field of a record, as text (parquet: as stored).
    """

    objects: tuple[str, ...] = ()
    manifest: str | None = None
    columns: tuple[SourceColumn, ...] = ()
    file_format: str | None = None
    field_delimiter: str | None = None
    encoding: str | None = None
    null_format: str | None = None
    compress: str | None = None
    skip_header: bool | None = None
    bucket: str | None = None
    datasource: str = connection_ids.OSS
    path: str = field(default="reader.parameter", compare=False)  # where the job holds it

    ALLOWED = ("datasource", "bucket", "object", "manifest", "column", "fileFormat", "fieldDelimiter",
               "encoding", "nullFormat", "compress", "skipHeader")

    def datasets(self, namespaces: Namespaces) -> list[Dataset]:
        return [oss_prefix(namespaces.oss_bucket(self), self.manifest or self.objects[0])]

    @classmethod
    def from_parameter(cls, raw: Mapping[str, Any], path: str = "reader.parameter") -> OSSReaderConfig:
        p = Parameters(raw, path, allowed=cls.ALLOWED)
        objects = _objects(p)
        manifest = p.string("manifest", None)
        if bool(objects) == bool(manifest):
            raise ConfigError(p.key("object"), "give exactly one of 'object' and 'manifest'.",
                              "use 'manifest' for a complete export, or 'object' for prefixes/keys.")
        columns = p.list("column", [])
        if columns == ["*"]:
            columns = []
        file_format = p.choice("fileFormat", FILE_FORMATS, None)
        compress = p.choice("compress", COMPRESSIONS, None)
        if file_format == "parquet" and compress == "gzip":
            raise ConfigError(p.key("compress"), "parquet compresses its pages itself.", "remove 'compress'.")
        return cls(
            path=path,
            objects=objects, manifest=manifest,
            columns=tuple(_column(entry, f"{p.key('column')}[{i}]") for i, entry in enumerate(columns)),
            file_format=file_format, field_delimiter=_text(raw, p, "fieldDelimiter"),
            encoding=p.string("encoding", None), null_format=_text(raw, p, "nullFormat"),
            compress=compress, skip_header=p.boolean("skipHeader", None),
            bucket=p.string("bucket", None), datasource=p.string("datasource", connection_ids.OSS),
        )

    def format_for(self, manifest_format: Mapping[str, Any] | None = None) -> FileSettings:
        """The file settings: the job's, else the manifest's (``format`` block), else DataX's."""
        export = dict(manifest_format or {})
        if "header" in export:  # the writer says whether it wrote one; a reader skips it
            export["skipHeader"] = bool(export.pop("header"))
        mine = {"fileFormat": self.file_format, "fieldDelimiter": self.field_delimiter,
                "encoding": self.encoding, "nullFormat": self.null_format, "compress": self.compress,
                "skipHeader": self.skip_header}
        merged = {key: mine[key] if mine[key] is not None else export.get(key, default)
                  for key, default in _DEFAULTS.items()}
        return FileSettings.from_json(merged)


def _objects(p: Parameters) -> tuple[str, ...]:
    value = p.get("object", None)
    if value is None:
        return ()
    entries = [value] if isinstance(value, str) else value
    if not isinstance(entries, list) or not all(isinstance(e, str) and e for e in entries):
        raise ConfigError(p.key("object"), f"must be a prefix or key, or a list of them, got {value!r}.")
    for entry in entries:
        if entry.startswith("/"):
            raise ConfigError(p.key("object"), f"must not start with '/': {entry!r}.",
                              "give the key or prefix without the bucket and without a leading '/'.")
    return tuple(entries)


def _text(raw: Mapping[str, Any], p: Parameters, name: str) -> str | None:
    """A string that may legitimately be empty (``nullFormat: ""``); absent or null = unset."""
    value = raw.get(name)
    if value is not None and not isinstance(value, str):
        raise ConfigError(p.key(name), f"must be a string, got {value!r}.")
    return value


def column_type(value: Any, key: str) -> str:
    """A column type name, DataX aliases accepted, as :func:`parse_value` spells it."""
    kind = COLUMN_TYPES.get(str(value).lower())
    if kind is None:
        raise ConfigError(key, f"unknown column type {value!r}.",
                          f"use one of: {', '.join(sorted(set(COLUMN_TYPES.values())))}.")
    return kind


def _column(entry: Any, key: str) -> SourceColumn:
    if not isinstance(entry, Mapping) or "type" not in entry or ("index" in entry) == ("value" in entry):
        raise ConfigError(key, f"must be {{\"index\": n, \"type\": ...}} or {{\"type\": ..., \"value\": ...}}, "
                          f"got {entry!r}.")
    extra = set(entry) - {"index", "type", "value"}
    if extra:
        raise ConfigError(key, f"unknown key(s) {sorted(extra)}.", "use index, type and value.")
    kind = column_type(entry["type"], f"{key}.type")
    if "index" in entry:
        return SourceColumn(type=kind, index=as_int(entry["index"], f"{key}.index", minimum=0))
    value = entry["value"]
    text = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    try:
        return SourceColumn(type=kind, constant=parse_value(text, kind))
    except DirtyRecord as error:
        raise ConfigError(f"{key}.value", f"{error.reason}.") from None
