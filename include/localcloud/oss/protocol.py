"""Formats shared by the OSS operations: dates, owner, URL encoding of names, object headers,
the attributes a writer sets, argument checks.

Header values are kept as they came off the wire (bytes read as ISO-8859-1, how ``http.server``
reads them) and sent back the same way, so UTF-8 metadata returns byte for byte."""

from __future__ import annotations

import datetime as dt
import email.utils
from urllib.parse import quote

from localcloud.oss import tagging
from localcloud.oss.errors import OssError, invalid_argument
from localcloud.oss.models import APPENDABLE, STORAGE_CLASSES, Attributes, ObjectMeta
from localcloud.oss.request import OssRequest

OWNER_ID = "1000000000000000"   # the one (local) account owning every bucket
OWNER: list = [("ID", OWNER_ID), ("DisplayName", OWNER_ID)]
MAX_KEY_BYTES = 1023
# Standard headers an object keeps from its writer and returns on GET/HEAD.
STORED_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires")
USER_META_PREFIX = "x-oss-meta-"
OBJECT_ACLS = ("default", "private", "public-read", "public-read-write")
SERVED_ACLS = ("default", "private")


def iso8601(timestamp: float) -> str:
    """``2024-01-02T03:04:05.000Z``: whole seconds, as OSS writes dates (oss2 insists on ``.000Z``)."""
    return dt.datetime.fromtimestamp(int(timestamp), dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


def encoding(request: OssRequest) -> bool:
    """Whether names in the answer are URL-encoded (``encoding-type=url``)."""
    value = request.query.get("encoding-type", "")
    if value not in ("", "url"):
        raise invalid_argument("Invalid Encoding Method specified in Request", "encoding-type", value)
    return value == "url"


def encode(name: str, url: bool) -> str:
    return quote(name, safe="/") if url else name


def int_argument(request: OssRequest, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise invalid_argument(f"Argument {name} must be an integer between {low} and {high}.", name, raw)
    return value


def object_key(request: OssRequest) -> str:
    """The request's object key, checked as OSS checks names."""
    key = request.key or ""
    if not key or len(key.encode("utf-8")) > MAX_KEY_BYTES or key[0] in "/\\":
        raise OssError("InvalidObjectName", Key=key)
    return key


def forbid_overwrite(request: OssRequest) -> bool:
    return request.header("x-oss-forbid-overwrite").lower() == "true"


def storage_class(request: OssRequest, default: str) -> str:
    value = request.header("x-oss-storage-class")
    if not value:
        return default
    if value not in STORAGE_CLASSES:
        raise invalid_argument("Invalid storage class.", "x-oss-storage-class", value)
    return value


def object_acl(request: OssRequest, default: str = "default") -> str:
    value = request.header("x-oss-object-acl")
    if not value:
        return default
    if value not in OBJECT_ACLS:
        raise invalid_argument("no such object access control exists", "x-oss-object-acl", value)
    if value not in SERVED_ACLS:
        # Every request here is signed by the one account, so a public ACL could not take effect.
        raise OssError("NotImplemented", f"Object ACL {value} (anonymous access) is not supported by localcloud.")
    return value


def attributes(request: OssRequest, default_class: str, tags: bool = True) -> Attributes:
    """What a write request sets besides the bytes: content type, stored standard headers,
    ``x-oss-meta-*``, storage class (default: the bucket's), object ACL and tags (``tags=False``:
    the ``x-oss-tagging`` header is ignored, as OSS does on an append after the first)."""
    user_meta = {name.lower(): value for name, value in request.headers.items()
                 if name.lower().startswith(USER_META_PREFIX)}
    stored = {name: request.header(name) for name in STORED_HEADERS if request.header(name)}
    return Attributes(request.header("Content-Type") or "application/octet-stream", stored, user_meta,
                      storage_class(request, default_class), object_acl(request),
                      tagging.from_header(request) if tags else {})


def etag(value: str) -> str:
    return f'"{value}"'


def object_headers(meta: ObjectMeta) -> dict[str, str]:
    """The headers GET and HEAD answer an object with."""
    headers = {
        "Content-Type": meta.attributes.content_type,
        "ETag": etag(meta.etag),
        "Last-Modified": http_date(meta.last_modified),
        "Accept-Ranges": "bytes",
        "x-oss-object-type": meta.object_type,
        "x-oss-storage-class": meta.attributes.storage_class,
        "x-oss-hash-crc64ecma": str(meta.crc64),
        **meta.attributes.http_headers,
        **meta.attributes.user_meta,
    }
    if meta.attributes.tags:
        headers["x-oss-tagging-count"] = str(len(meta.attributes.tags))
    if meta.content_md5:
        headers["Content-MD5"] = meta.content_md5
    if meta.object_type == APPENDABLE:
        headers["x-oss-next-append-position"] = str(meta.size)
    return headers
