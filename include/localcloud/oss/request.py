"""One OSS request as the operations see it (bucket, key, decoded query, headers, a streamed body)
and the reply they return (status, headers, XML or object bytes); no sockets involved."""

from __future__ import annotations

import email.message
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import unquote, unquote_plus

from localcloud.oss.errors import OssError

CHUNK = 4 << 20  # body reads: larger than the handler's 1 MiB read buffer, so reads bypass it (no extra copy)


class Body:
    """A request body read lazily from the connection, plain (Content-Length) or chunked."""

    def __init__(self, rfile: BinaryIO, headers: email.message.Message,
                 iter_chunked: Callable[[], Iterator[bytes]]) -> None:
        self._rfile = rfile
        self._chunked = "chunked" in headers.get("Transfer-Encoding", "").lower()
        self._iter_chunked = iter_chunked
        self._chunk_iter: Iterator[bytes] | None = None
        self._chunked_done = False
        length = headers.get("Content-Length")
        self.length: int | None = None if self._chunked or length is None else int(length)
        self.remaining = 0 if self._chunked else (self.length or 0)

    @property
    def consumed(self) -> bool:
        return self._chunked_done if self._chunked else not self.remaining

    def chunks(self) -> Iterator[memoryview | bytes]:
        """Yield the rest of the body in chunks of up to CHUNK bytes. A plain body reuses one buffer,
        so each chunk must be consumed before the next is asked for."""
        if self._chunked:
            if self._chunk_iter is None:
                self._chunk_iter = self._iter_chunked()
            yield from self._chunk_iter
            self._chunked_done = True
            return
        buffer = memoryview(bytearray(min(CHUNK, self.remaining)))
        while self.remaining:
            got = self._rfile.readinto(buffer[:min(CHUNK, self.remaining)])
            if not got:
                raise ConnectionError("client closed the connection mid-body")
            self.remaining -= got
            yield buffer[:got]

    def read(self, limit: int = 10 << 20) -> bytes:
        """The whole (small) body, e.g. an XML document; over ``limit`` is ``EntityTooLarge``."""
        data = bytearray()
        for chunk in self.chunks():
            data += chunk
            if len(data) > limit:
                raise OssError("EntityTooLarge")
        return bytes(data)

    def drain(self) -> None:
        """Discard what is left, so the connection can carry the next request."""
        for _ in self.chunks():
            pass


def parse_query(raw: str) -> dict[str, str]:
    """Decode a query string; a parameter without ``=`` has the value ``""`` (``?uploads``)."""
    query = {}
    for pair in raw.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            query.setdefault(unquote_plus(name), unquote_plus(value))
    return query


def split_path(path: str) -> tuple[str | None, str | None]:
    """``/bucket/key`` (path style) -> (bucket, key); ``None`` for what the path does not name."""
    bucket, _, key = path.lstrip("/").partition("/")
    return (unquote(bucket) or None), (unquote(key) or None)


@dataclass
class OssRequest:
    method: str
    bucket: str | None
    key: str | None
    query: dict[str, str]
    headers: email.message.Message
    body: Body
    request_id: str
    style: str = "path"  # how the bucket was named: localcloud.oss.addressing.PATH, VIRTUAL_HOST or CNAME

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)


@dataclass
class Reply:
    """What an operation answers. ``files`` (with ``ranges``) streams object bytes from disk;
    ``length`` states a Content-Length without a body (HEAD); ``chunked`` sends ``body`` with
    ``Transfer-Encoding: chunked`` and no Content-Length (a gzip-compressed GET)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    files: list[BinaryIO] = field(default_factory=list)
    ranges: list[tuple[int, int, int]] = field(default_factory=list)  # (file index, offset, count)
    length: int | None = None
    chunked: bool = False

    def xml(self, body: bytes) -> Reply:
        self.body = body
        self.headers["Content-Type"] = "application/xml"
        return self
