"""OSSWriter parameters (``writer.plugin: oss``), with DataX's names and meanings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tablestore_channels.backup_layout import BOOKKEEPING_SUFFIXES, without_run_folders
from tablestore_channels.config import connection_ids
from tablestore_channels.config.parameters import MB, JobKeys, Parameters, is_templated
from tablestore_channels.datasets import Dataset, Namespaces, oss_prefix
from tablestore_channels.errors import ConfigError
from tablestore_channels.formats import COMPRESSIONS, FILE_FORMATS
from tablestore_channels.formats.delimited import DelimitedFormat

WRITE_MODES = ("truncate", "append", "nonConflict")


@dataclass(frozen=True)
class OSSWriterConfig(JobKeys):
    """Validated OSSWriter parameters.

    ``object`` is the prefix of every object the run writes; ``bucket`` None means the bucket of
    the ``oss`` connection (its ``schema`` field). ``max_file_size`` is in bytes (``maxFileSize``
    is given in MB).
    """

    object: str
    write_mode: str
    file_format: str = "text"
    field_delimiter: str = ","
    encoding: str = "UTF-8"
    null_format: str = "null"
    date_format: str = "yyyy-MM-dd HH:mm:ss"
    header: tuple[str, ...] | None = None
    suffix: str = ""
    max_file_size: int = 100_000 * MB
    compress: str = "none"
    bucket: str | None = None
    datasource: str = connection_ids.OSS
    path: str = field(default="writer.parameter", compare=False)  # where the job holds it

    ALLOWED = ("datasource", "bucket", "object", "writeMode", "fileFormat", "fieldDelimiter", "encoding",
               "nullFormat", "dateFormat", "header", "suffix", "maxFileSize", "compress")

    def dataset(self, summary: dict, namespaces: Namespaces) -> Dataset:
        """The prefix without the per-run folders: every run of an export is an event of one asset."""
        bucket = summary["manifest"].split("/")[2] if summary.get("manifest") else namespaces.oss_bucket(self)
        return oss_prefix(bucket, without_run_folders(self.object))

    @classmethod
    def from_parameter(cls, raw: Mapping[str, Any], path: str = "writer.parameter") -> OSSWriterConfig:
        p = Parameters(raw, path, allowed=cls.ALLOWED)
        prefix = p.string("object")
        if prefix.startswith("/"):
            raise ConfigError(p.key("object"), f"must not start with '/': {prefix!r}.",
                              "give the key prefix without the bucket and without a leading '/'.")
        header = None
        if "header" in raw and raw["header"] is not None:
            names = p.list("header")
            if not all(isinstance(n, str) for n in names):
                raise ConfigError(p.key("header"), f"must be a list of column names, got {names!r}.")
            header = tuple(names)
        file_format = p.choice("fileFormat", FILE_FORMATS, "text")
        compress = p.choice("compress", COMPRESSIONS, "none")
        if file_format == "parquet" and compress != "none":
            raise ConfigError(p.key("compress"), "parquet compresses its pages itself.", "remove 'compress'.")
        # nullFormat may legitimately be the empty string, which Parameters.get treats as unset.
        null_format = raw.get("nullFormat", "null")
        field_delimiter = raw.get("fieldDelimiter", ",")
        for name, value in (("nullFormat", null_format), ("fieldDelimiter", field_delimiter)):
            if not isinstance(value, str):
                raise ConfigError(p.key(name), f"must be a string, got {value!r}.")
        encoding = p.string("encoding", "UTF-8")
        date_format = p.string("dateFormat", "yyyy-MM-dd HH:mm:ss")
        suffix = p.string("suffix", "")
        if suffix.endswith(BOOKKEEPING_SUFFIXES):
            raise ConfigError(p.key("suffix"), f"{suffix!r} ends like the writer's own manifest and dirty-record "
                              "objects, so readers would skip the data as bookkeeping (or read it as a manifest).",
                              "choose another suffix, e.g. '.csv'.")
        if file_format != "parquet":
            _check_delimited(p, kind=file_format, field_delimiter=field_delimiter, encoding=encoding,
                             null_format=null_format, date_format=date_format)
        return cls(
            path=path,
            object=prefix,
            write_mode=p.choice("writeMode", WRITE_MODES),
            file_format=file_format,
            field_delimiter=field_delimiter,
            encoding=encoding,
            null_format=null_format,
            date_format=date_format,
            header=header,
            suffix=suffix,
            max_file_size=p.integer("maxFileSize", 100_000, minimum=1) * MB,
            compress=compress,
            bucket=p.string("bucket", None),
            datasource=p.string("datasource", connection_ids.OSS),
        )


def _check_delimited(p: Parameters, **settings: str) -> None:
    """Check the csv/text settings now, so that a bad one fails the job file at load time (and
    not a split task at run time) with the key's full path."""
    if any(is_templated(value) for value in settings.values()):
        return  # checked after rendering, when the operator validates the job again
    try:
        DelimitedFormat(**settings)
    except ConfigError as error:
        raise ConfigError(p.key(error.key), str(error).removeprefix(f"{error.key}: ")) from None
