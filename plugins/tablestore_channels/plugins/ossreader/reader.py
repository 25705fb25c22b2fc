"""OSSReader: records from CSV / text / Parquet objects, e.g. an OSSWriter export.

Plan: the objects are exactly those an export's manifest lists (its format settings become the
defaults), or those under the configured prefixes / wildcard patterns, without an export's own
manifest and dirty-record objects. The plan checks that every object a manifest lists is there
with its listed size. They are grouped into at most ``concurrent`` splits of about equal size.

Read: an object a manifest lists is first spooled to a temporary file (in memory up to
``_SPOOL_IN_MEMORY``, on disk beyond) and its size and SHA-256 checked, so that no record of an
object that changed after the export reaches the writer; only then is it parsed from the spool.
Parquet is always spooled (its footer is at the end); other objects without a checksum (read by
prefix) are parsed as they stream. gzip is decompressed on the fly; a broken connection resumes at
the byte where it stopped. A line that cannot be parsed or a value not of its column's type is
yielded as :class:`Rejected`: the channel counts it and the object's other records go on.
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO, Any, cast

import oss2
import requests

from tablestore_channels.backup_layout import BOOKKEEPING_SUFFIXES, MANIFEST_SUFFIX, Manifest, ManifestError
from tablestore_channels.contract import Connections, Reader, Rejected
from tablestore_channels.errors import DirtyRecord, PreconditionError
from tablestore_channels.formats.delimited import DelimitedFormat
from tablestore_channels.formats.parquet import iter_parquet_records
from tablestore_channels.formats.values import parse_value
from tablestore_channels.plugins.ossreader.config import FileSettings, OSSReaderConfig, SourceColumn
from tablestore_channels.plugins.otsreader import config as ots_reader
from tablestore_channels.plugins.otsstreamreader import config as ots_stream_reader
from tablestore_channels.retrying import Retry, oss_retriable

log = logging.getLogger(__name__)

_READ_CHUNK = 1 << 20
_SPOOL_IN_MEMORY = 8 << 20  # per object being read; a larger one is spooled to a temporary file
# Parquet values arrive typed; a column type admits these Python types (bool is not an int here).
_PYTHON_TYPES = {"string": (str,), "int": (int,), "double": (float,), "bool": (bool,), "binary": (bytes, bytearray)}
_RESTORE_FIX = "restore from an intact export (its manifest and every object it lists)."
# The modes whose records are cell versions, not rows (a manifest's source.mode).
CELL_MODES = (ots_reader.MULTI_VERSION, ots_stream_reader.MULTI_VERSION)


def _resumable(error: BaseException) -> bool:
    return oss_retriable(error) or isinstance(error, requests.exceptions.RequestException)


class ObjectStream:
    """A read-only binary stream of one object: reads resume with a ranged GET after a broken
    connection; size and SHA-256 are checked at the end when known (from ``manifest``)."""

    def __init__(self, bucket: oss2.Bucket, key: str, retry: Retry, size: int | None = None,
                 sha256: str | None = None, manifest: str | None = None) -> None:
        self.bucket = bucket
        self.key = key
        self.retry = retry
        self.expected_size = size
        self.expected_sha256 = sha256
        self.manifest = manifest
        self.position = 0
        self._hash = hashlib.sha256() if sha256 else None
        self._body = self._open()
        self._done = False

    @property
    def _where(self) -> str:
        listed = f" listed in manifest oss://{self.bucket.bucket_name}/{self.manifest}" if self.manifest else ""
        return f"object oss://{self.bucket.bucket_name}/{self.key}{listed}"

    def _open(self):
        byte_range = (self.position, None) if self.position else None
        try:
            return self.retry.call(f"GetObject {self.key}", self.bucket.get_object, self.key, byte_range=byte_range)
        except oss2.exceptions.NoSuchKey as error:
            raise PreconditionError(f"{self._where} does not exist (any more). Fix: "
                                    f"{_RESTORE_FIX if self.manifest else 'check reader.parameter.object.'}") from error

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._done:
            return b""
        amount = _READ_CHUNK if size is None or size < 0 else size
        for attempt in range(1, self.retry.max_retries + 2):
            try:
                data = self._body.read(amount)
                break
            except Exception as error:
                if not _resumable(error) or attempt > self.retry.max_retries:
                    raise
                log.warning("reading %s broke at byte %d (%s); resuming", self.key, self.position, error)
                self.retry.sleep(self.retry.delay(attempt))
                self._body = self._open()
        if not data:
            self._done = True
            self._verify()
            return b""
        self.position += len(data)
        if self._hash is not None:
            self._hash.update(data)
        return data

    def _verify(self) -> None:
        if self.expected_size is not None and self.position != self.expected_size:
            raise PreconditionError(f"{self._where} has {self.position} bytes but the manifest says "
                                    f"{self.expected_size}: it changed after the export. Fix: {_RESTORE_FIX}")
        if self._hash is not None and self._hash.hexdigest() != self.expected_sha256:
            raise PreconditionError(f"{self._where} does not match the SHA-256 in the manifest: it changed "
                                    f"after the export. Fix: {_RESTORE_FIX}")


class OSSReader(Reader):
    """Reads ``config``'s objects from ``bucket`` (an ``oss2.Bucket``)."""

    def __init__(self, bucket: oss2.Bucket, config: OSSReaderConfig, retry: Retry | None = None) -> None:
        self.bucket = bucket
        self.config = config
        self.retry = retry or Retry(oss_retriable, max_retries=10, pause_ms=200)

    @classmethod
    def from_connections(cls, config: OSSReaderConfig, connections: Connections, run_key: str) -> OSSReader:
        return cls(connections.oss_bucket(config), config)

    # --- planning ----------------------------------------------------------------------------
    def plan(self, concurrency: int) -> tuple[list[dict], list[str]]:
        """The objects to read, grouped into splits: (one JSON descriptor per split, field names)."""
        if self.config.manifest:
            key = self._manifest_key(self.config.manifest)
            manifest = self._manifest(key)
            objects: list[dict[str, Any]] = [{"key": o.key, "bytes": o.size, "sha256": o.sha256}
                                             for o in manifest.objects]
            self._check_listed(objects, key)
            settings = self.config.format_for(manifest.format.to_parameter())
            source_names = list(manifest.format.columns)
            where = f"manifest oss://{self.bucket.bucket_name}/{key}"
        else:
            objects = self._listed()
            settings = self.config.format_for(None)
            source_names = []
            where = f"oss://{self.bucket.bucket_name}/ under {', '.join(self.config.objects)}"
        if not objects and not self.config.manifest:
            raise PreconditionError(f"no objects to read at {where}. Fix: check reader.parameter.object and "
                                    "the bucket.")
        splits = _balanced(objects, max(1, min(concurrency, len(objects))))
        log.info("Planned %d split(s) over %d object(s) (%d bytes) from %s", len(splits), len(objects),
                 sum(o["bytes"] for o in objects), where)
        descriptors = [{"objects": group, "format": settings.to_json(), "manifest": self.config.manifest}
                       for group in splits]
        return descriptors, self._field_names(source_names)

    def _manifest(self, key: str) -> Manifest:
        try:
            body = self.retry.call(f"GetObject {key}", lambda: self.bucket.get_object(key).read())
        except oss2.exceptions.NoSuchKey as error:
            raise PreconditionError(
                f"no manifest at oss://{self.bucket.bucket_name}/{key}: the export did not complete, or the key "
                "is wrong. Fix: give the manifest key of a complete export (<prefix><run>_manifest.json).") from error
        try:
            return Manifest.from_json(body)
        except ManifestError as error:
            raise PreconditionError(f"oss://{self.bucket.bucket_name}/{key} is not an export manifest this reader "
                                    f"knows ({error}). Fix: give the manifest of an OSSWriter export.") from None

    def _manifest_key(self, given: str) -> str:
        """``given`` when it names a manifest, else the newest manifest of rows under the prefix
        ``given``: an export of cells (mode multiVersion, a stream window) holds one record per
        cell version, which a restore of rows would write as rows; those are for the point-in-time
        restore, and a prefix of backups holds both."""
        if given.endswith(MANIFEST_SUFFIX):
            return given
        found = self.retry.call(f"ListObjects {given}", lambda: [
            (o.last_modified, o.key) for o in oss2.ObjectIteratorV2(self.bucket, prefix=given)
            if o.key.endswith(MANIFEST_SUFFIX)])
        if not found:
            raise PreconditionError(
                f"no committed export under oss://{self.bucket.bucket_name}/{given} (no {MANIFEST_SUFFIX} object). "
                "Fix: give the prefix of a complete export, or its manifest key.",
                key=self.config.key("manifest"))
        cells: list[str] = []
        for _, key in sorted(found, reverse=True):
            source = self._manifest(key).source
            mode = source.mode if source else None
            if mode not in CELL_MODES:
                log.info("Newest export of rows under %s: %s%s", given, key,
                         f" (newer exports of cells skipped: {', '.join(cells)})" if cells else "")
                return key
            cells.append(key)
        raise PreconditionError(
            f"the {len(cells)} export(s) under oss://{self.bucket.bucket_name}/{given} are all of cells (mode "
            f"multiVersion or stream windows, e.g. {cells[0]}): one record per cell version, not rows. Fix: restore them "
            "with tablestore_restore_point_in_time, or give the prefix or manifest of an export in mode normal.",
            key=self.config.key("manifest"))

    def _check_listed(self, objects: list[dict], manifest_key: str) -> None:
        """Every object the manifest lists is there with its listed size: one listing of the
        objects' common prefix (an export's run prefix) instead of a HEAD per object."""
        prefix = os.path.commonprefix([o["key"] for o in objects]) if objects else ""  # noqa: RUF071 (keys, not paths)
        present = self._listing(prefix) if objects else {}
        wrong = [(o["key"], o["bytes"], present.get(o["key"])) for o in objects if present.get(o["key"]) != o["bytes"]]
        if not wrong:
            return
        shown = "; ".join(f"oss://{self.bucket.bucket_name}/{key} " + (
            "is missing" if size is None else f"has {size} bytes, not {listed}") for key, listed, size in wrong[:5])
        more = f" (and {len(wrong) - 5} more)" if len(wrong) > 5 else ""
        raise PreconditionError(
            f"{len(wrong)} of the {len(objects)} object(s) listed in manifest oss://{self.bucket.bucket_name}/"
            f"{manifest_key} are not as the export wrote them: {shown}{more}. Nothing was read or written. "
            f"Fix: {_RESTORE_FIX}")

    def _listing(self, prefix: str) -> dict[str, int]:
        """Key -> size of every object under ``prefix``."""
        return self.retry.call(f"ListObjects {prefix}", lambda: {
            o.key: o.size for o in oss2.ObjectIteratorV2(self.bucket, prefix=prefix)})

    def _listed(self) -> list[dict]:
        found: dict[str, int] = {}
        for entry in self.config.objects:
            wildcard = min((i for i in (entry.find("*"), entry.find("?")) if i >= 0), default=-1)
            prefix = entry if wildcard < 0 else entry[:wildcard]
            for key, size in self._listing(prefix).items():
                if key.endswith("/") or key.endswith(BOOKKEEPING_SUFFIXES):
                    continue
                if wildcard < 0 or fnmatch.fnmatchcase(key, entry):
                    found[key] = size
        return [{"key": key, "bytes": size, "sha256": None} for key, size in sorted(found.items())]

    def _field_names(self, source_names: Sequence[str]) -> list[str]:
        columns = self.config.columns
        if not columns:
            return list(source_names)

        def name(i: int, column: SourceColumn) -> str:
            if column.index is None:
                return f"const_{i}"
            return source_names[column.index] if column.index < len(source_names) else f"field_{column.index}"
        return [name(i, c) for i, c in enumerate(columns)]

    # --- reading -----------------------------------------------------------------------------
    def read(self, descriptor: dict) -> Iterator[tuple | Rejected]:
        """The records of one planned split, object after object."""
        settings = FileSettings.from_json(descriptor["format"])
        for entry in descriptor["objects"]:
            checked = entry.get("sha256") is not None
            stream = ObjectStream(self.bucket, entry["key"], self.retry, entry["bytes"] if checked else None,
                                  entry.get("sha256"), descriptor.get("manifest"))
            where = f"oss://{self.bucket.bucket_name}/{entry['key']}"
            if not checked and settings.file_format != "parquet":
                yield from self._delimited_records(cast(IO[bytes], stream), settings, where)
                continue
            with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
                shutil.copyfileobj(stream, spool, _READ_CHUNK)  # verified at its end: before any record
                spool.seek(0)
                source = cast(IO[bytes], spool)
                if settings.file_format == "parquet":
                    yield from self._parquet_records(source, where)
                else:
                    yield from self._delimited_records(source, settings, where)

    def _delimited_records(self, raw: IO[bytes], settings: FileSettings, where: str) -> Iterator:
        fmt = DelimitedFormat(kind=settings.file_format, field_delimiter=settings.field_delimiter,
                              encoding=settings.encoding, null_format=settings.null_format)
        gzipped = settings.compress == "gzip" or (settings.compress is None and where.endswith(".gz"))
        source = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if gzipped else raw
        records = fmt.iter_records(source)
        number = 0
        while True:
            number += 1
            try:
                fields = next(records)
            except StopIteration:
                return
            except DirtyRecord as error:
                yield Rejected((), f"{where}: {error.reason}")
                continue
            if number == 1 and settings.skip_header:
                continue
            yield self._project(fields, where, number, parse_text=True)

    def _parquet_records(self, source: IO[bytes], where: str) -> Iterator:
        for number, values in enumerate(iter_parquet_records(source), start=1):
            yield self._project(values, where, number, parse_text=False)

    def _project(self, fields: Sequence[Any], where: str, number: int, *, parse_text: bool) -> tuple | Rejected:
        """The configured columns of one source record (all of them when none are configured)."""
        columns = self.config.columns
        if not columns:
            return tuple(fields)
        out: list[Any] = []
        for position, column in enumerate(columns):
            if column.index is None:
                out.append(column.constant)
                continue
            if column.index >= len(fields):
                return Rejected(fields, f"{where} record {number}: has {len(fields)} fields, column[{position}] "
                                        f"reads index {column.index}", position)
            value = fields[column.index]
            try:
                out.append(_typed(value, column.type, parse_text))
            except DirtyRecord as error:
                return Rejected(fields, f"{where} record {number}: column[{position}]: {error.reason}", position)
        return tuple(out)


def _typed(value: Any, kind: str, parse_text: bool) -> Any:
    if value is None:
        return None
    if parse_text:
        return parse_value(value, kind)
    if isinstance(value, _PYTHON_TYPES[kind]) and not (kind == "int" and isinstance(value, bool)):
        return bytes(value) if isinstance(value, bytearray) else value
    if isinstance(value, str):
        return parse_value(value, kind)
    raise DirtyRecord(f"a {type(value).__name__} value where the column type is {kind}")


def _balanced(objects: list[dict], count: int) -> list[list[dict]]:
    """``objects`` in ``count`` groups of about equal bytes (largest first into the lightest group);
    each group keeps the objects' key order."""
    groups: list[list[dict]] = [[] for _ in range(count)]
    loads = [0] * count
    for entry in sorted(objects, key=lambda o: -o["bytes"]):
        lightest = loads.index(min(loads))
        groups[lightest].append(entry)
        loads[lightest] += entry["bytes"]
    # an export with no rows still gets one (empty) split, so the run goes through to its commit
    return [sorted(group, key=lambda o: o["key"]) for group in groups if group] or [[]]
