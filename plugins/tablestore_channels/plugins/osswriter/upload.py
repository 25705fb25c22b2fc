"""A streamed OSS object: bytes go up as multipart parts while they are produced, so memory
holds a few parts, never the object. Small objects go up with one PutObject.

An object can also be *staged*: every byte is uploaded as parts, but the multipart upload is left
pending, so the object stays invisible (OSS lists and serves it only once the upload completes)
until a commit completes it with :func:`complete_staged`; :func:`staged_uploads` and
:func:`abort_staged` find and drop the uploads nobody will complete.
"""

from __future__ import annotations

import hashlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

import oss2

from tablestore_channels.retrying import Retry

PART_SIZE = 8 * 1024 * 1024
MAX_PARTS_IN_FLIGHT = 2


class StreamedObject:
    """A write-only binary file for one object key. ``close()`` makes the object visible (OSS
    shows a multipart object only at completion); ``abort()`` leaves nothing behind."""

    def __init__(self, bucket: oss2.Bucket, key: str, retry: Retry, uploader: ThreadPoolExecutor,
                 part_size: int = PART_SIZE) -> None:
        self.bucket = bucket
        self.key = key
        self.retry = retry
        self.uploader = uploader
        self.part_size = part_size
        self.size = 0
        self._sha256 = hashlib.sha256()
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[oss2.models.PartInfo] = []
        self._in_flight: deque[Future] = deque()
        self.closed = False

    # the file protocol pyarrow and gzip need
    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        pass

    def write(self, data: bytes) -> int:
        self._buffer += data
        self._sha256.update(data)
        self.size += len(data)
        while len(self._buffer) >= self.part_size:
            self._send_part(bytes(self._buffer[: self.part_size]))
            del self._buffer[: self.part_size]
        return len(data)

    def _send_part(self, data: bytes) -> None:
        if self._upload_id is None:
            self._upload_id = self.retry.call(f"InitiateMultipartUpload {self.key}",
                                              self.bucket.init_multipart_upload, self.key).upload_id
        number = len(self._parts) + len(self._in_flight) + 1
        self._in_flight.append(self.uploader.submit(self._upload_part, number, data))
        while len(self._in_flight) > MAX_PARTS_IN_FLIGHT:
            self._parts.append(self._in_flight.popleft().result())

    def _upload_part(self, number: int, data: bytes) -> oss2.models.PartInfo:
        result = self.retry.call(f"UploadPart {self.key} #{number}", self.bucket.upload_part,
                                 self.key, self._upload_id, number, data)
        return oss2.models.PartInfo(number, result.etag, size=len(data))

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()

    def stage(self) -> dict:
        """Upload the rest as the last part and leave the object invisible, its upload pending;
        what :func:`complete_staged` needs: ``{"upload_id": ..., "etags": [...]}``."""
        if self._upload_id is None or self._buffer:
            self._send_part(bytes(self._buffer))
        while self._in_flight:
            self._parts.append(self._in_flight.popleft().result())
        self._buffer.clear()
        self.closed = True
        return {"upload_id": self._upload_id, "etags": [part.etag for part in self._parts]}

    def close(self) -> None:
        if self.closed:
            return
        if self._upload_id is None:
            self.retry.call(f"PutObject {self.key}", self.bucket.put_object, self.key, bytes(self._buffer))
        else:
            if self._buffer:
                self._send_part(bytes(self._buffer))
            while self._in_flight:
                self._parts.append(self._in_flight.popleft().result())
            self.retry.call(f"CompleteMultipartUpload {self.key}", self.bucket.complete_multipart_upload,
                            self.key, self._upload_id, self._parts)
        self._buffer.clear()
        self.closed = True

    def abort(self) -> None:
        for future in self._in_flight:
            future.cancel()
        self._in_flight.clear()
        if self._upload_id is not None and not self.closed:
            try:
                self.bucket.abort_multipart_upload(self.key, self._upload_id)
            except oss2.exceptions.OssError:
                pass  # an unfinished upload is invisible anyway and expires by bucket lifecycle
        self.closed = True


def complete_staged(bucket: oss2.Bucket, retry: Retry, key: str, staged: dict) -> bool:
    """Make a staged object visible; False when its upload is gone (completed by an earlier
    attempt of the commit, or aborted: the caller checks which)."""
    parts = [oss2.models.PartInfo(number, etag) for number, etag in enumerate(staged["etags"], start=1)]
    try:
        retry.call(f"CompleteMultipartUpload {key}", bucket.complete_multipart_upload, key, staged["upload_id"], parts)
    except oss2.exceptions.NoSuchUpload:
        return False
    return True


def staged_uploads(bucket: oss2.Bucket, retry: Retry, prefix: str) -> list[tuple[str, str]]:
    """(key, upload id) of every pending multipart upload under ``prefix``."""
    return retry.call(f"ListMultipartUploads {prefix}", lambda: [
        (u.key, u.upload_id) for u in oss2.MultipartUploadIterator(bucket, prefix=prefix)])


def abort_staged(bucket: oss2.Bucket, retry: Retry, uploads: list[tuple[str, str]]) -> None:
    for key, upload_id in uploads:
        try:
            retry.call(f"AbortMultipartUpload {key}", bucket.abort_multipart_upload, key, upload_id)
        except oss2.exceptions.NoSuchUpload:
            pass  # completed or aborted meanwhile
