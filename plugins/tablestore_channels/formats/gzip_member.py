"""A gzip member streamed to a sink, byte for byte what ``gzip.GzipFile(filename="", mtime=0)``
writes (level 9, no name, no time: a rerun writes identical objects), with one thing GzipFile
cannot do: :meth:`GzipMember.write_below` compresses a piece on a copy of the deflate state and
keeps it only if the sink stays below a size. An object rotated at ``maxFileSize`` thus takes a
page of lines at once exactly where line by line it would not have ended within the page: deflate
emits the same bytes for the same input however it is cut, so the sink grows monotonically to
the size the whole page gives.
"""

from __future__ import annotations

import struct
import zlib
from typing import Protocol

# magic, deflate, no flags, mtime 0, "maximum compression" (level 9), OS unknown: as GzipFile
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
_LEVEL = 9


class SizedSink(Protocol):
    size: int

    def write(self, data: bytes, /) -> int: ...


class GzipMember:
    """Writes one gzip member to ``sink`` (its header at once); :meth:`close` ends the member and
    leaves the sink open."""

    def __init__(self, sink: SizedSink) -> None:
        self._sink = sink
        self._deflate = zlib.compressobj(_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL, 0)
        self._crc = 0
        self._length = 0
        sink.write(_HEADER)

    def write(self, data: bytes) -> int:
        self._took(data, self._deflate.compress(data))
        return len(data)

    def write_below(self, data: bytes, limit: int) -> bool:
        """Write ``data`` if the sink then holds fewer than ``limit`` bytes; else write nothing."""
        trial = self._deflate.copy()
        compressed = trial.compress(data)
        if self._sink.size + len(compressed) >= limit:
            return False
        self._deflate = trial
        self._took(data, compressed)
        return True

    def close(self) -> None:
        self._sink.write(self._deflate.flush())
        self._sink.write(struct.pack("<LL", self._crc, self._length & 0xFFFFFFFF))

    def _took(self, data: bytes, compressed: bytes) -> None:
        if compressed:
            self._sink.write(compressed)
        self._crc = zlib.crc32(data, self._crc)
        self._length += len(data)
