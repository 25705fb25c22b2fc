"""OSSWriter: records to CSV / text / Parquet objects under a prefix, committed by a manifest.

Object names are deterministic per (run, split, part) (see
:mod:`tablestore_channels.backup_layout`). A split *stages* its objects: their bytes go
up as multipart uploads that it leaves pending, so nothing of a run is visible under the prefix
before its commit, whatever becomes of the run (a failed, retried or killed split, a run never
committed). :meth:`OSSWriter.commit` completes the uploads of the final split attempts, aborts
the others of the run, then writes the manifest (objects, row counts, sizes, SHA-256 checksums)
as the commit point. ``truncate`` removes the older objects under the prefix only after the
manifest is written, so a failed run leaves the previous output readable. Dirty records go to a
``_dirty.jsonl`` object of their split at once, kept also when the run fails.

Parquet column types are those the reader declares (:meth:`OSSWriter.prepare`'s
``column_types``), else learned from the data; a value for a column that appears late (written
as string only for want of a value) rolls the split to a new object with the wider schema, each
object's schema recorded in the manifest.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import oss2

from tablestore_channels.backup_layout import DIRTY_SUFFIX, Manifest, ObjectLayout
from tablestore_channels.contract import CommitSummary, Connections, DiscardingWriter, PagedSplitSink, SplitResult
from tablestore_channels.errors import ChannelError, ConfigError, PreconditionError
from tablestore_channels.formats.delimited import DelimitedFormat
from tablestore_channels.formats.gzip_member import GzipMember
from tablestore_channels.formats.parquet import KIND_OF_COLUMN_TYPE, ParquetRecordWriter, WiderSchema
from tablestore_channels.plugins.osswriter.config import OSSWriterConfig
from tablestore_channels.plugins.osswriter.upload import StreamedObject, abort_staged, complete_staged, staged_uploads
from tablestore_channels.retrying import Retry, oss_retriable

log = logging.getLogger(__name__)

_DELETE_BATCH = 1000
_COMPLETING_THREADS = 8
_STAGING = ("upload_id", "etags")  # what a split's result carries for the commit, not the manifest


class OSSSplitResult(SplitResult):
    """A split's staged objects (each with its upload, for the commit to complete) and columns."""

    split: int
    columns: list[str]
    objects: list[dict[str, Any]]


class OSSCommitSummary(CommitSummary):
    """The manifest's totals and where the manifest is (``oss://bucket/key``)."""

    manifest: str


class OSSWriter(DiscardingWriter[OSSSplitResult]):
    """The job side: checks before the run, commit after it.

    :param bucket: an ``oss2.Bucket`` for the target bucket.
    :param run_key: a deterministic, key-safe name of the run (same on every retry and rerun).
    """

    def __init__(self, bucket: oss2.Bucket, config: OSSWriterConfig, run_key: str, retry: Retry | None = None) -> None:
        self.bucket = bucket
        self.config = config
        self.retry = retry or Retry(oss_retriable, max_retries=10, pause_ms=200)
        suffix = config.suffix
        if config.compress == "gzip" and not suffix.endswith(".gz"):
            suffix += ".gz"
        self.layout = ObjectLayout(config.object, run_key, suffix)

    @classmethod
    def from_connections(cls, config: OSSWriterConfig, connections: Connections, run_key: str) -> OSSWriter:
        return cls(connections.oss_bucket(config), config, run_key)

    def _list(self, prefix: str) -> dict[str, int]:
        return self.retry.call(f"ListObjects {prefix}", lambda: {
            o.key: o.size for o in oss2.ObjectIteratorV2(self.bucket, prefix=prefix)})

    def prepare(self, column_names: Sequence[str], column_types: Sequence[str | None] | None = None) -> dict:
        """Fail before anything is written if the bucket is missing or, in ``nonConflict`` mode,
        objects of another run are under the prefix. Returns the context the splits get: the
        declared column types (Parquet's schema)."""
        try:
            self.retry.call("GetBucketInfo", self.bucket.get_bucket_info)
        except oss2.exceptions.NoSuchBucket as error:
            raise PreconditionError(
                f"OSS bucket {self.bucket.bucket_name!r} does not exist. Fix: create it, or set "
                "the bucket (or the oss connection's schema) to an existing bucket.",
                key=self.config.key("bucket")) from error
        if self.config.write_mode == "nonConflict":
            others = sorted(k for k in self._list(self.config.object) if not k.startswith(self.layout.run_prefix))
            if others:
                raise PreconditionError(
                    f"writeMode nonConflict: {len(others)} object(s) already exist under "
                    f"oss://{self.bucket.bucket_name}/{self.config.object}, e.g. {others[:3]}. Fix: choose another "
                    "'object' prefix, remove them, or use writeMode truncate or append.")
        return {"column_types": list(column_types) if column_types else None}

    def open_split(self, split: int, column_names: Sequence[str], context: dict | None = None) -> OSSSplitWriter:
        names = list(self.config.header) if self.config.header else list(column_names)
        if self.config.header and len(self.config.header) != len(column_names):
            raise ConfigError(self.config.key("header"),
                              f"has {len(self.config.header)} names but records have {len(column_names)} columns.",
                              "give one name per reader column.")
        types = (context or {}).get("column_types") or [None] * len(names)
        return OSSSplitWriter(self, split, names, [KIND_OF_COLUMN_TYPE.get(t) if t else None for t in types])

    def commit(self, results: Sequence[OSSSplitResult], run: dict[str, Any],
               context: dict | None = None) -> OSSCommitSummary:
        """Complete the staged objects of the splits and verify them, drop the run's other
        uploads, write the manifest, then (truncate) remove older objects. Safe to repeat: every
        step is idempotent. Returns the summary for XCom."""
        staged = sorted((o for r in results for o in r["objects"]), key=lambda o: o["key"])
        dirty_objects = sorted(key for r in results if (key := r.get("dirty_object")))
        with ThreadPoolExecutor(max_workers=_COMPLETING_THREADS, thread_name_prefix="oss-complete") as pool:
            # an upload already gone was completed by an earlier attempt of this commit: checked below
            list(pool.map(lambda o: complete_staged(self.bucket, self.retry, o["key"], o), staged))
        present = self._list(self.layout.run_prefix)
        for entry in staged:
            if present.get(entry["key"]) != entry["bytes"]:
                raise ChannelError(
                    f"object {entry['key']} is missing or has {present.get(entry['key'])} bytes instead of "
                    f"{entry['bytes']}; not committing. Fix: clear and rerun the failed split tasks.")
        abort_staged(self.bucket, self.retry, staged_uploads(self.bucket, self.retry, self.layout.run_prefix))
        objects = [{k: v for k, v in o.items() if k not in _STAGING} for o in staged]
        keep = {o["key"] for o in objects} | set(dirty_objects) | {self.layout.manifest_key}
        self._delete([k for k in present if k not in keep])
        totals: CommitSummary = {
            "rows": sum(o["rows"] for o in objects), "bytes": sum(o["bytes"] for o in objects),
            "objects": len(objects), "dirty": sum(r["dirty"] for r in results)}
        manifest = Manifest.model_validate({
            **run,
            "bucket": self.bucket.bucket_name,
            "prefix": self.config.object,
            "run_key": self.layout.run_key,
            "format": {
                "fileFormat": self.config.file_format, "fieldDelimiter": self.config.field_delimiter,
                "encoding": self.config.encoding, "nullFormat": self.config.null_format,
                "dateFormat": self.config.date_format, "compress": self.config.compress,
                "header": self.config.header is not None, "columns": results[0]["columns"] if results else [],
            },
            "objects": objects,
            "dirty_objects": dirty_objects,
            "totals": totals,
        })
        self.retry.call(f"PutObject {self.layout.manifest_key}", self.bucket.put_object, self.layout.manifest_key,
                        manifest.to_json())
        if self.config.write_mode == "truncate":
            older = [k for k in self._list(self.config.object) if k not in keep]
            self._delete(older)
            if older:
                log.info("truncate: removed %d older object(s) under %s", len(older), self.config.object)
        return {**totals, "manifest": f"oss://{self.bucket.bucket_name}/{self.layout.manifest_key}"}

    def discard(self) -> list[str]:
        """Remove what a run that did not commit left behind: its staged uploads, and objects a
        commit that died midway completed (the dirty records stay for diagnosis). A run whose
        manifest exists committed: nothing is removed."""
        present = self._list(self.layout.run_prefix)
        if self.layout.manifest_key in present:
            return []
        uploads = staged_uploads(self.bucket, self.retry, self.layout.run_prefix)
        abort_staged(self.bucket, self.retry, uploads)
        leftovers = [k for k in present if not k.endswith(DIRTY_SUFFIX)]
        self._delete(leftovers)
        if leftovers or uploads:
            log.info("Run %s did not commit: dropped its %d staged upload(s) and %d object(s) under %s",
                     self.layout.run_key, len(uploads), len(leftovers), self.config.object)
        return leftovers + [key for key, _ in uploads]

    def _delete(self, keys: list[str]) -> None:
        for i in range(0, len(keys), _DELETE_BATCH):
            batch = keys[i:i + _DELETE_BATCH]
            self.retry.call("DeleteMultipleObjects", self.bucket.batch_delete_objects, batch)


class OSSSplitWriter(PagedSplitSink[OSSSplitResult]):
    """Writes the records of one split as staged objects, rotating them at ``maxFileSize`` (and,
    in Parquet, when a late column needs a wider schema). A page is encoded at once; it is
    written whole where no object can end within it, so objects end after the same records as
    when written one by one.

    :param kinds: per column, the Parquet kind the source declares, or None (learned).
    """

    def __init__(self, job: OSSWriter, split: int, column_names: list[str],
                 kinds: list[str | None] | None = None) -> None:
        self.job = job
        self.config = job.config
        self.split = split
        self.column_names = column_names
        self.kinds = kinds
        # parts go up in the background while the next ones are encoded
        self.uploader = ThreadPoolExecutor(max_workers=2, thread_name_prefix="oss-upload")
        self._delimited = None
        if self.config.file_format != "parquet":
            self._delimited = DelimitedFormat(
                kind=self.config.file_format, field_delimiter=self.config.field_delimiter,
                encoding=self.config.encoding, null_format=self.config.null_format,
                date_format=self.config.date_format)
            self._header = self._delimited.encode_header(column_names) if self.config.header else b""
        self._objects: list[dict] = []
        self._sink: StreamedObject | None = None
        self._stream: Any = None  # what records are written to: the sink, a gzip wrapper or a parquet writer
        self._rows = 0
        self._dirty: StreamedObject | None = None
        self.dirty_count = 0

    def _open_object(self, kinds: list[str | None] | None = None) -> StreamedObject:
        key = self.job.layout.data_key(self.split, len(self._objects))
        sink = self._sink = StreamedObject(self.job.bucket, key, self.job.retry, self.uploader)
        self._rows = 0
        if self._delimited is None:
            self._stream = ParquetRecordWriter(sink, self.column_names, kinds=kinds or self.kinds)
            return sink
        self._stream = GzipMember(sink) if self.config.compress == "gzip" else sink
        if self._header:
            self._stream.write(self._header)
        return sink

    def _close_object(self, sink: StreamedObject) -> None:
        if self._stream is not sink:
            self._stream.close()  # gzip trailer / parquet footer
        entry = {"key": sink.key, "split": self.split, "part": len(self._objects), "rows": self._rows}
        if isinstance(self._stream, ParquetRecordWriter):
            entry["schema"] = dict(zip(self.column_names, self._stream.kinds))
        staged = sink.stage()
        self._objects.append({**entry, "bytes": sink.size, "sha256": sink.sha256, **staged})
        self._sink = self._stream = None

    def write(self, record: tuple) -> int:
        sink = self._sink or self._open_object()
        before = sink.size
        if self._delimited is None:
            try:
                self._stream.write(record)
            except WiderSchema as wider:  # a late column: the rest of the split in a new object
                log.info("split %d: %s; object %d is closed with %d row(s)", self.split, wider,
                         len(self._objects), self._rows)
                self._close_object(sink)
                sink = self._open_object(wider.kinds)
                before = 0
                self._stream.write(record)
            size = sink.size - before
        else:
            line = self._delimited.encode_record(record)
            self._stream.write(line)
            size = len(line)
        self._rows += 1
        if sink.size >= self.config.max_file_size:
            self._close_object(sink)
        return size

    def write_page(self, records: Sequence[tuple]) -> tuple[int, int]:
        if self._delimited is None:
            return self._write_parquet_page(records)
        data = self._delimited.encode_records(records)
        if data is None:
            return 0, 0
        sink = self._sink or self._open_object()
        # Written one by one, the object would end after the first record that takes it to
        # maxFileSize: the page goes whole only where that cannot happen within it.
        limit = self.config.max_file_size
        if isinstance(self._stream, GzipMember):
            if not self._stream.write_below(data, limit):
                return 0, 0
        elif sink.size + len(data) < limit:
            sink.write(data)
        else:
            return 0, 0
        self._rows += len(records)
        return len(records), len(data)

    def _write_parquet_page(self, records: Sequence[tuple]) -> tuple[int, int]:
        written = size = 0
        while written < len(records):
            sink = self._sink or self._open_object()
            before = sink.size
            count = self._stream.write_page(records[written:])
            if not count:
                break
            written += count
            size += sink.size - before
            self._rows += count
            # the object grows only by whole row groups, and one ends a chunk: as write() checks
            if sink.size >= self.config.max_file_size:
                self._close_object(sink)
        return written, size

    def write_dirty(self, line: bytes) -> None:
        if self._dirty is None:
            self._dirty = StreamedObject(self.job.bucket, self.job.layout.dirty_key(self.split), self.job.retry,
                                         self.uploader)
        self._dirty.write(line)
        self.dirty_count += 1

    def close(self) -> OSSSplitResult:
        if self._sink is not None:
            self._close_object(self._sink)
        if self._dirty is not None:
            self._dirty.close()
        self.uploader.shutdown()
        return {"split": self.split, "columns": self.column_names, "objects": self._objects,
                "dirty_object": self._dirty.key if self._dirty else None, "dirty": self.dirty_count}

    def abort(self) -> str | None:
        """Drop the split's staged objects; keep (complete) its dirty records."""
        if self._sink is not None:
            self._sink.abort()
        kept = None
        if self._dirty is not None:
            try:
                self._dirty.close()
                kept = f"oss://{self.job.bucket.bucket_name}/{self._dirty.key}"
            except Exception as error:  # the split's own failure is the one to report
                log.warning("could not keep the dirty records of split %d in %s: %s", self.split, self._dirty.key,
                            error)
                self._dirty.abort()
        self.uploader.shutdown(cancel_futures=True)
        abort_staged(self.job.bucket, self.job.retry, [(o["key"], o["upload_id"]) for o in self._objects])
        return kept
