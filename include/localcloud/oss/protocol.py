"""What the OSS operations read off a request: object names, ``encoding-type``, integer
arguments, the attributes a writer sets (stored headers, user metadata, class, ACL, tags). The
answer side (dates, ETags, object headers) is :mod:`localcloud.oss.responses`.

Header values are kept as they came off the wire (bytes read as ISO-8859-1, how ``http.server``
reads them), so that answers can send them back byte for byte."""

from __future__ import annotations

from localcloud.oss import tagging
from localcloud.oss.errors import OssError, invalid_argument
from localcloud.oss.models import STORAGE_CLASSES, Attributes
from localcloud.oss.request import OssRequest

MAX_KEY_BYTES = 1023
# Standard headers an object keeps from its writer and returns on GET/HEAD.
STORED_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires")
USER_META_PREFIX = "x-oss-meta-"
OBJECT_ACLS = ("default", "private", "public-read", "public-read-write")
SERVED_ACLS = ("default", "private")


def encoding(request: OssRequest) -> bool:
    """Whether names in the answer are URL-encoded (``encoding-type=url``)."""
    value = request.query.get("encoding-type", "")
    if value not in ("", "url"):
        raise invalid_argument("Invalid Encoding Method specified in Request", "encoding-type", value)
    return value == "url"


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

