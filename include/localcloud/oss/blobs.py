"""Data files written atomically: bytes stream into a temporary file in the data folder's own
``tmp/`` (same filesystem), hashed on the way (MD5 for the ETag, CRC-64 for
``x-oss-hash-crc64ecma``), and become visible only by a rename or link done by the store after
the whole body arrived. A process killed mid-upload leaves only a temporary file, removed at the
next start. No fsync: the data must survive the process, not a power cut, and syncing would cost
the multipart throughput."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from localcloud.oss import crc64
from localcloud.oss.errors import OssError

COPY_CHUNK = 8 << 20


@dataclass(frozen=True)
class Blob:
    """A fully written temporary data file and its digests."""

    path: Path
    size: int
    md5: bytes
    crc64: int


def _write_all(fd: int, data: memoryview | bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write(tmp_dir: Path, chunks: Iterable[memoryview | bytes], max_size: int) -> Blob:
    """Stream ``chunks`` into a new temporary file; more than ``max_size`` bytes is ``EntityTooLarge``."""
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="blob-")
    md5, crc, size = hashlib.md5(), 0, 0
    try:
        for chunk in chunks:
            size += len(chunk)
            if size > max_size:
                raise OssError("EntityTooLarge")
            md5.update(chunk)
            crc = crc64.update(crc, chunk)
            _write_all(fd, chunk)
    except BaseException:
        os.close(fd)
        os.unlink(name)
        raise
    os.close(fd)
    return Blob(Path(name), size, md5.digest(), crc)


def concatenate(tmp_dir: Path, sources: list[Path]) -> Path:
    """Copy ``sources`` one after the other into a new temporary file (in-kernel copy)."""
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="concat-")
    try:
        for source in sources:
            with open(source, "rb") as src:
                while os.copy_file_range(src.fileno(), fd, COPY_CHUNK):
                    pass
    except BaseException:
        os.close(fd)
        os.unlink(name)
        raise
    os.close(fd)
    return Path(name)


def write_json(tmp_dir: Path, path: Path, payload: dict) -> None:
    """Replace ``path`` with ``payload`` atomically (the commit point of every change)."""
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="meta-")
    with os.fdopen(fd, "w") as handle:
        json.dump(payload, handle)
    os.replace(name, path)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())
