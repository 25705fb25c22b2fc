"""Object operations: put, get (ranges, conditions), head, meta, delete, copy, append, ACL, tags.
Each reads its request, acts on the store and leaves the answer's shape to
:mod:`localcloud.oss.responses`."""

from __future__ import annotations

import base64
import dataclasses
import email.utils
import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import unquote

from localcloud.oss import blobs, responses, tagging
from localcloud.oss.errors import OssError, invalid_argument
from localcloud.oss.models import ARCHIVED, Attributes, ObjectMeta
from localcloud.oss.protocol import attributes, forbid_overwrite, object_acl, object_key
from localcloud.oss.request import OssRequest, Reply
from localcloud.oss.store import MAX_OBJECT_SIZE

if TYPE_CHECKING:
    from localcloud.oss.blobs import Blob
    from localcloud.oss.service import OssService

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def receive(service: OssService, request: OssRequest) -> Blob:
    """Stream the request body into a blob, checking its size and Content-MD5."""
    if request.body.length is None and "chunked" not in request.header("Transfer-Encoding").lower():
        raise OssError("MissingContentLength")
    if (request.body.length or 0) > MAX_OBJECT_SIZE:
        raise OssError("EntityTooLarge")
    blob = blobs.write(service.store.tmp, request.body.chunks(), MAX_OBJECT_SIZE)
    expected = request.header("Content-MD5")
    if expected and base64.b64encode(blob.md5).decode() != expected:
        blob.path.unlink()
        raise OssError("InvalidDigest")
    return blob


def put_object(service: OssService, request: OssRequest) -> Reply:
    key = object_key(request)
    bucket = request.bucket or ""
    forbid = forbid_overwrite(request)
    wanted = attributes(request, service.store.bucket(bucket).storage_class)
    if forbid and service.store.exists(bucket, key):  # fail before taking the body in
        raise OssError("FileAlreadyExists", Key=key)
    meta = service.store.put(bucket, key, receive(service, request), wanted, forbid)
    return responses.written(meta)


def readable(meta: ObjectMeta) -> ObjectMeta:
    """``meta``, if its bytes may be read: archived classes need a restore first."""
    if meta.attributes.storage_class in ARCHIVED:
        raise OssError("InvalidObjectState", Key=meta.key)
    return meta


def precondition(meta: ObjectMeta, request: OssRequest, prefix: str, unchanged_code: str) -> None:
    """Check If-Match / If-None-Match / If-(Un)Modified-Since (``prefix`` names the copy-source
    variants); a failed "none-match"/"modified-since" is ``unchanged_code`` (NotModified on GET)."""
    def date(name: str) -> float | None:
        value = request.header(prefix + name)
        try:
            return email.utils.parsedate_to_datetime(value).timestamp() if value else None
        except (TypeError, ValueError):
            return None

    current = meta.etag.upper()
    if_match = request.header(prefix + "If-Match").strip('"').upper()
    if_none_match = request.header(prefix + "If-None-Match").strip('"').upper()
    modified = int(meta.last_modified)
    since, unmodified_since = date("If-Modified-Since"), date("If-Unmodified-Since")
    if (if_match and if_match != current) or (unmodified_since is not None and modified > unmodified_since):
        raise OssError("PreconditionFailed")
    if (if_none_match and if_none_match == current) or (since is not None and modified <= since):
        raise OssError(unchanged_code)


def byte_range(header: str, size: int, standard: bool) -> tuple[int, int] | None:
    """The inclusive byte range to answer, or None for the whole object. Out-of-range requests
    get the whole object, or with ``x-oss-range-behavior: standard`` a clamped range / 416."""
    match = _RANGE.match(header.split(",", maxsplit=1)[0].strip()) if header else None
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        start, end = max(size - int(last), 0), size - 1
        if int(last) == 0 or (int(last) > size and not standard):
            return None
    else:
        start, end = int(first), int(last) if last else size - 1
        if last and end < start:
            return None
        if end >= size:
            if not standard:
                return None
            end = size - 1
    if start >= size:
        if standard:
            raise OssError("InvalidRange", headers={"Content-Range": f"bytes */{size}"})
        return None
    return start, end


def get_object(service: OssService, request: OssRequest) -> Reply:
    meta, files = service.store.open(request.bucket or "", object_key(request))
    try:
        readable(meta)
        precondition(meta, request, "", "NotModified")
        span = byte_range(request.header("Range"), meta.size,
                          request.header("x-oss-range-behavior").lower() == "standard")
    except OssError:
        for handle in files:
            handle.close()
        raise
    return responses.get_object(meta, files, span, request)


def head_object(service: OssService, request: OssRequest) -> Reply:
    meta = service.store.get(request.bucket or "", object_key(request))
    precondition(meta, request, "", "NotModified")
    return responses.head_object(meta)


def get_object_meta(service: OssService, request: OssRequest) -> Reply:
    return responses.object_meta(service.store.get(request.bucket or "", object_key(request)))


def delete_object(service: OssService, request: OssRequest) -> Reply:
    service.store.delete(request.bucket or "", object_key(request))
    return Reply(204)


def copy_source(request: OssRequest) -> tuple[str, str]:
    """Bucket and key of ``x-oss-copy-source`` (``/bucket/key``, URL-encoded)."""
    raw = request.header("x-oss-copy-source").split("?", 1)[0]
    source_bucket, _, source_key = unquote(raw).lstrip("/").partition("/")
    if not source_bucket or not source_key:
        raise invalid_argument("Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.",
                               "x-oss-copy-source", raw)
    return source_bucket, source_key


def _directive(request: OssRequest, header: str) -> str:
    value = request.header(header, "COPY").upper()
    if value not in ("COPY", "REPLACE"):
        raise invalid_argument("Invalid directive.", header, value)
    return value


def copy_object(service: OssService, request: OssRequest) -> Reply:
    key, bucket = object_key(request), request.bucket or ""
    source_bucket, source_key = copy_source(request)
    metadata, tags = _directive(request, "x-oss-metadata-directive"), _directive(request, "x-oss-tagging-directive")
    given = attributes(request, service.store.bucket(bucket).storage_class)
    precondition(readable(service.store.get(source_bucket, source_key)), request, "x-oss-copy-source-",
                 "PreconditionFailed")

    def derive(source: Attributes) -> Attributes:
        # Class and ACL are the copy's own; meta and tags come from the source unless replaced.
        return dataclasses.replace(source if metadata == "COPY" else given, storage_class=given.storage_class,
                                   acl=given.acl, tags=source.tags if tags == "COPY" else given.tags)

    meta = service.store.copy(source_bucket, source_key, bucket, key, derive, forbid_overwrite(request))
    return responses.copy_object(meta)


def read_range(files: list[BinaryIO], ranges: list[tuple[int, int, int]]) -> Iterator[bytes]:
    """The bytes of ``ranges`` (as :func:`localcloud.oss.models.slices` gives them) of an object's segment files."""
    for index, offset, count in ranges:
        fd = files[index].fileno()
        while count:
            chunk = os.pread(fd, min(count, blobs.COPY_CHUNK), offset)
            if not chunk:
                raise OSError("segment file shorter than its record")
            offset += len(chunk)
            count -= len(chunk)
            yield chunk


def append_object(service: OssService, request: OssRequest) -> Reply:
    key = object_key(request)
    raw = request.query.get("position", "")
    if not raw.isdigit():
        raise invalid_argument("Position is not valid.", "position", raw)
    if request.body.length is None and "chunked" not in request.header("Transfer-Encoding").lower():
        raise OssError("MissingContentLength")
    bucket = request.bucket or ""
    wanted = attributes(request, service.store.bucket(bucket).storage_class, tags=int(raw) == 0)
    return responses.appended(service.store.append(bucket, key, int(raw), request.body.chunks(), wanted))


def get_object_acl(service: OssService, request: OssRequest) -> Reply:
    return responses.object_acl(service.store.get(request.bucket or "", object_key(request)))


def put_object_acl(service: OssService, request: OssRequest) -> Reply:
    acl = object_acl(request, default="")
    if not acl:
        raise invalid_argument("no such object access control exists", "x-oss-object-acl", "")
    service.store.update(request.bucket or "", object_key(request), acl=acl)
    return Reply()


def get_object_tagging(service: OssService, request: OssRequest) -> Reply:
    meta = service.store.get(request.bucket or "", object_key(request))
    return responses.object_tagging(meta.attributes.tags)


def put_object_tagging(service: OssService, request: OssRequest) -> Reply:
    tags = tagging.from_xml(request.body.read())
    service.store.update(request.bucket or "", object_key(request), tags=tags)
    return Reply()


def delete_object_tagging(service: OssService, request: OssRequest) -> Reply:
    service.store.update(request.bucket or "", object_key(request), tags={})
    return Reply(204)
