"""Buckets and objects on disk, with an in-memory index rebuilt at start.

Layout under the data folder::

    tmp/                          temporary files (wiped at start)
    buckets/<bucket>.json         a bucket exists once its record exists
    objects/<bucket>/<h2>/<h>.json        object record (h = SHA-1 of the key): the commit point
    objects/<bucket>/<h2>/<h>.<random>    its immutable segment files
    uploads/<upload id>/...       multipart uploads in progress (:mod:`localcloud.oss.multipart`)

Every change writes new files first and commits by replacing one JSON record, so a reader or a
restarted server sees the old state or the new one, never a mixture; files no record refers to
(left by a crash) are removed at start.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from localcloud.oss import blobs, crc64
from localcloud.oss.blobs import Blob
from localcloud.oss.errors import OssError
from localcloud.oss.models import APPENDABLE, MULTIPART, NORMAL, Attributes, Bucket, ObjectMeta, Part, Segment, Upload
from localcloud.oss.multipart import Uploads

MAX_OBJECT_SIZE = 5 << 30
# Appends add a segment each; past this many they are merged into one file, so reading a long
# appended log does not open thousands of files.
MAX_APPEND_SEGMENTS = 64


class Store:
    """All buckets, objects and uploads of one server. Thread-safe."""

    def __init__(self, root: Path) -> None:
        self.tmp = root / "tmp"
        self._buckets_dir = root / "buckets"
        self._objects_dir = root / "objects"
        self._lock = threading.RLock()
        self._append_lock = threading.Lock()
        self._buckets: dict[str, Bucket] = {}
        self._objects: dict[str, dict[str, ObjectMeta]] = {}
        self._sorted_keys: dict[str, list[str]] = {}
        self.uploads = Uploads(root / "uploads", self.tmp, self._lock)
        self._load()

    # --- start ---------------------------------------------------------------------------------
    def _load(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
        for folder in (self.tmp, self._buckets_dir, self._objects_dir):
            folder.mkdir(parents=True, exist_ok=True)
        completed: set[str] = set()
        for record in self._buckets_dir.glob("*.json"):
            bucket = Bucket(**blobs.read_json(record))
            self._buckets[bucket.name] = bucket
            self._objects[bucket.name] = objects = {}
            for folder in (self._objects_dir / bucket.name).glob("*"):
                referenced: set[str] = set()
                for meta_path in folder.glob("*.json"):
                    meta = ObjectMeta.from_json(blobs.read_json(meta_path))
                    objects[meta.key] = meta
                    referenced.add(meta_path.name)
                    referenced.update(s.file for s in meta.segments)
                    if meta.upload_id:
                        completed.add(meta.upload_id)
                for path in folder.iterdir():
                    if path.name not in referenced:
                        path.unlink()
        self.uploads.load(completed)

    # --- buckets -------------------------------------------------------------------------------
    def create_bucket(self, name: str, storage_class: str) -> Bucket:
        """Create a bucket; one that exists is returned unchanged (OSS answers BucketAlreadyExists
        only to another account, and every request here is signed by the one account)."""
        with self._lock:
            if name in self._buckets:
                return self._buckets[name]
            bucket = Bucket(name, time.time(), storage_class)
            (self._objects_dir / name).mkdir(exist_ok=True)
            blobs.write_json(self.tmp, self._buckets_dir / f"{name}.json", bucket.__dict__)
            self._buckets[name] = bucket
            self._objects[name] = {}
            return bucket

    def delete_bucket(self, name: str) -> None:
        with self._lock:
            self.bucket(name)
            if self._objects[name] or self.uploads.in_bucket(name):
                raise OssError("BucketNotEmpty", BucketName=name)
            (self._buckets_dir / f"{name}.json").unlink()
            del self._buckets[name], self._objects[name]
            self._sorted_keys.pop(name, None)
            shutil.rmtree(self._objects_dir / name, ignore_errors=True)

    def bucket(self, name: str) -> Bucket:
        """The bucket ``name``, or ``NoSuchBucket``."""
        bucket = self._buckets.get(name)
        if bucket is None:
            raise OssError("NoSuchBucket", BucketName=name)
        return bucket

    def buckets(self) -> list[Bucket]:
        with self._lock:
            return sorted(self._buckets.values(), key=lambda b: b.name)

    def usage(self, name: str) -> tuple[int, int]:
        """(bytes stored, object count) of a bucket."""
        with self._lock:
            objects = self._objects[self.bucket(name).name]
            return sum(m.size for m in objects.values()), len(objects)

    # --- objects: reading ----------------------------------------------------------------------
    def get(self, bucket: str, key: str) -> ObjectMeta:
        """The record of ``bucket``/``key``, or ``NoSuchBucket`` / ``NoSuchKey``."""
        with self._lock:
            self.bucket(bucket)
            meta = self._objects[bucket].get(key)
        if meta is None:
            raise OssError("NoSuchKey", Key=key)
        return meta

    def open(self, bucket: str, key: str) -> tuple[ObjectMeta, list[BinaryIO]]:
        """The record and its segment files, opened together so a concurrent overwrite (which
        deletes the old segments) cannot get in between."""
        with self._lock:
            meta = self.get(bucket, key)
            folder, _ = self._place(bucket, key)
            return meta, [open(folder / s.file, "rb") for s in meta.segments]

    def exists(self, bucket: str, key: str) -> bool:
        with self._lock:
            self.bucket(bucket)
            return key in self._objects[bucket]

    def keys(self, bucket: str) -> list[str]:
        """The bucket's keys in listing order (code point order = the UTF-8 byte order OSS lists in)."""
        with self._lock:
            self.bucket(bucket)
            keys = self._sorted_keys.get(bucket)
            if keys is None:
                keys = sorted(self._objects[bucket])
                self._sorted_keys[bucket] = keys
            return keys

    def lookup(self, bucket: str, keys: Iterable[str]) -> list[ObjectMeta]:
        """The records of ``keys``, skipping any deleted since they were listed."""
        with self._lock:
            objects = self._objects[self.bucket(bucket).name]
            return [objects[k] for k in keys if k in objects]

    # --- objects: writing ----------------------------------------------------------------------
    def put(self, bucket: str, key: str, blob: Blob, attributes: Attributes, forbid_overwrite: bool) -> ObjectMeta:
        """Make a written blob the object ``key`` (type Normal)."""
        meta = ObjectMeta(key, blob.size, blob.md5.hex().upper(), blob.crc64, time.time(), NORMAL, attributes,
                          [], content_md5=base64.b64encode(blob.md5).decode())
        try:
            with self._lock:
                self._check_writable(bucket, key, forbid_overwrite)
                meta.segments = [self._adopt(bucket, key, blob.path, blob.size, move=True)]
                self._commit(bucket, meta)
        finally:
            blob.path.unlink(missing_ok=True)
        return meta

    def copy(self, source_bucket: str, source_key: str, bucket: str, key: str,
             derive: Callable[[Attributes], Attributes], forbid_overwrite: bool) -> ObjectMeta:
        """Copy an object by linking its immutable segments; ``derive`` makes the copy's
        attributes from the source's (read under the same lock as the segments)."""
        with self._lock:
            source = self.get(source_bucket, source_key)
            self._check_writable(bucket, key, forbid_overwrite)
            source_folder, _ = self._place(source_bucket, source_key)
            segments = [self._adopt(bucket, key, source_folder / s.file, s.size, move=False)
                        for s in source.segments]
            meta = ObjectMeta(key, source.size, source.etag, source.crc64, time.time(),
                              MULTIPART if source.object_type == MULTIPART else NORMAL,
                              derive(source.attributes), segments, source.content_md5)
            self._commit(bucket, meta)
            return meta

    def append(self, bucket: str, key: str, position: int, chunks: Iterable[memoryview | bytes],
               attributes: Attributes) -> ObjectMeta:
        """Append ``chunks`` at ``position``, which must equal the current length (0 creates)."""
        with self._append_lock:  # the position check and the commit must not interleave with another append
            with self._lock:
                self.bucket(bucket)
                current = self._objects[bucket].get(key)
            length = current.size if current else 0
            if current is not None and current.object_type != APPENDABLE:
                raise OssError("ObjectNotAppendable", Key=key)
            if position != length:
                raise OssError("PositionNotEqualToLength", Key=key,
                               headers={"x-oss-next-append-position": str(length)})
            blob = blobs.write(self.tmp, chunks, MAX_OBJECT_SIZE - length)
            merged = None
            try:
                # Appendable ETags are not content MD5s on OSS either: chain the appended pieces.
                etag = hashlib.md5(((current.etag if current else "") + blob.md5.hex()).encode()).hexdigest().upper()
                crc = crc64.combine(current.crc64, blob.crc64, blob.size) if current else blob.crc64
                folder, _ = self._place(bucket, key)
                sources = [(folder / s.file, s.size) for s in current.segments] if current else []
                sources.append((blob.path, blob.size))
                if len(sources) > MAX_APPEND_SEGMENTS:
                    merged = blobs.concatenate(self.tmp, [path for path, _ in sources])
                    sources = [(merged, length + blob.size)]
                with self._lock:
                    latest = self._objects[self.bucket(bucket).name].get(key)
                    if latest is not current:  # a PUT or DELETE got in while the body streamed
                        raise OssError("PositionNotEqualToLength", Key=key, headers={
                            "x-oss-next-append-position": str(latest.size if latest else 0)})
                    segments = [self._adopt(bucket, key, path, size, move=False) for path, size in sources]
                    meta = ObjectMeta(key, length + blob.size, etag, crc, time.time(), APPENDABLE,
                                      current.attributes if current else attributes, segments)
                    self._commit(bucket, meta)
            finally:
                blob.path.unlink(missing_ok=True)
                if merged is not None:
                    merged.unlink(missing_ok=True)
            return meta

    def complete(self, upload: Upload, parts: list[Part], forbid_overwrite: bool) -> ObjectMeta:
        """Turn an upload into its object, the parts (already checked) becoming its segments."""
        digest = hashlib.md5(b"".join(bytes.fromhex(p.etag) for p in parts)).hexdigest().upper()
        crc = 0
        for part in parts:
            crc = crc64.combine(crc, part.crc64, part.size)
        with self._lock:
            self._check_writable(upload.bucket, upload.key, forbid_overwrite)
            segments = [self._adopt(upload.bucket, upload.key, self.uploads.part_path(upload.upload_id, p),
                                    p.size, move=False) for p in parts]
            meta = ObjectMeta(upload.key, sum(p.size for p in parts), f"{digest}-{len(parts)}", crc, time.time(),
                              MULTIPART, upload.attributes, segments, upload_id=upload.upload_id)
            self._commit(upload.bucket, meta)
            self.uploads.remove(upload.upload_id)
            return meta

    def update(self, bucket: str, key: str, **changes) -> ObjectMeta:
        """Change attributes (``tags``, ``acl``) of an object, its bytes and dates untouched."""
        with self._lock:
            current = self.get(bucket, key)
            meta = dataclasses.replace(current, attributes=dataclasses.replace(current.attributes, **changes))
            self._commit(bucket, meta, same_data=True)
            return meta

    def delete(self, bucket: str, key: str) -> None:
        """Delete an object; deleting a missing key succeeds, as on OSS."""
        with self._lock:
            self.bucket(bucket)
            meta = self._objects[bucket].pop(key, None)
            if meta is None:
                return
            self._sorted_keys.pop(bucket, None)
            folder, stem = self._place(bucket, key)
            (folder / f"{stem}.json").unlink()
            for segment in meta.segments:
                (folder / segment.file).unlink(missing_ok=True)

    # --- internals -----------------------------------------------------------------------------
    def _place(self, bucket: str, key: str) -> tuple[Path, str]:
        stem = hashlib.sha1(key.encode("utf-8")).hexdigest()
        return self._objects_dir / bucket / stem[:2], stem

    def _check_writable(self, bucket: str, key: str, forbid_overwrite: bool) -> None:
        self.bucket(bucket)
        if forbid_overwrite and key in self._objects[bucket]:
            raise OssError("FileAlreadyExists", Key=key)

    def _adopt(self, bucket: str, key: str, path: Path, size: int, move: bool) -> Segment:
        """Give ``path`` a fresh name in the object's folder (rename or hard link, never a copy)."""
        folder, stem = self._place(bucket, key)
        folder.mkdir(exist_ok=True)
        segment = Segment(f"{stem}.{secrets.token_hex(8)}", size)
        (os.replace if move else os.link)(path, folder / segment.file)
        return segment

    def _commit(self, bucket: str, meta: ObjectMeta, same_data: bool = False) -> None:
        """Publish ``meta`` (the record replace is the commit), then drop the old version's files
        (unless ``same_data``: the new record keeps them)."""
        folder, stem = self._place(bucket, meta.key)
        blobs.write_json(self.tmp, folder / f"{stem}.json", meta.to_json())
        previous = self._objects[bucket].get(meta.key)
        self._objects[bucket][meta.key] = meta
        if previous is None:
            self._sorted_keys.pop(bucket, None)
        elif not same_data:
            for segment in previous.segments:
                (folder / segment.file).unlink(missing_ok=True)
