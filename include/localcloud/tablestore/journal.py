"""The append-only journal under the data dir: every committed change, replayed at start.

Frames are ``u32 length, u32 crc32, pickle``; an entry is a tuple of plain Python values. The file
is flushed to the OS before the write is answered, so an answered write survives the process being
killed. A torn last frame (a kill mid-write) is cut off at replay.
"""

from __future__ import annotations

import pickle
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

_FRAME = struct.Struct("<II")


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = None

    def replay(self) -> Iterator[tuple]:
        """Yield the stored entries in order, then open the journal for appending."""
        good = 0
        if self.path.exists():
            with open(self.path, "rb") as stored:  # frame by frame: a big journal is never in memory whole
                while len(head := stored.read(_FRAME.size)) == _FRAME.size:
                    size, checksum = _FRAME.unpack(head)
                    body = stored.read(size)
                    if len(body) != size or zlib.crc32(body) != checksum:
                        break
                    yield pickle.loads(body)
                    good += _FRAME.size + size
        self._file = open(self.path, "ab")
        self._file.truncate(good)

    def append(self, entry: tuple) -> None:
        body = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.write(_FRAME.pack(len(body), zlib.crc32(body)) + body)
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
