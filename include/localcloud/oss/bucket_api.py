"""Service- and bucket-level operations: buckets, their info, object listings, batch delete.
Each reads its request, acts on the store and leaves the answer's shape to
:mod:`localcloud.oss.responses`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import TYPE_CHECKING

from localcloud.oss import listing, responses, xml
from localcloud.oss.errors import OssError, invalid_argument
from localcloud.oss.models import STORAGE_CLASS, STORAGE_CLASSES
from localcloud.oss.protocol import encoding, int_argument
from localcloud.oss.request import OssRequest, Reply

if TYPE_CHECKING:
    from localcloud.oss.service import OssService

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
MAX_KEYS = 1000
MAX_DELETE = 1000


def list_buckets(service: OssService, request: OssRequest) -> Reply:
    prefix, marker = request.query.get("prefix", ""), request.query.get("marker", "")
    limit = int_argument(request, "max-keys", MAX_KEYS, 1, MAX_KEYS)
    names = [b for b in service.store.buckets() if b.name.startswith(prefix) and b.name > marker]
    page, truncated = names[:limit], len(names) > limit
    return responses.list_buckets(page, prefix, marker, limit, truncated, request.header("Host"),
                                  service.settings.region)


def put_bucket(service: OssService, request: OssRequest) -> Reply:
    name = request.bucket or ""
    if not BUCKET_NAME.match(name):
        raise OssError("InvalidBucketName", BucketName=name)
    body = request.body.read()
    storage_class = STORAGE_CLASS
    if body.strip():
        storage_class = xml.text(xml.parse(body, "CreateBucketConfiguration"), "StorageClass", STORAGE_CLASS)
    if storage_class not in STORAGE_CLASSES:
        raise invalid_argument("Invalid storage class.", "StorageClass", storage_class)
    service.store.create_bucket(name, storage_class)
    return responses.bucket_created(name)


def delete_bucket(service: OssService, request: OssRequest) -> Reply:
    service.store.delete_bucket(request.bucket or "")
    return Reply(204)


def get_bucket_info(service: OssService, request: OssRequest) -> Reply:
    bucket = service.store.bucket(request.bucket or "")
    return responses.bucket_info(bucket, request.header("Host"), service.settings.region)


def get_bucket_location(service: OssService, request: OssRequest) -> Reply:
    service.store.bucket(request.bucket or "")
    return responses.bucket_location(service.settings.region)


def get_bucket_stat(service: OssService, request: OssRequest) -> Reply:
    size, count = service.store.usage(request.bucket or "")
    uploads = len(service.store.uploads.in_bucket(request.bucket or ""))
    return responses.bucket_stat(size, count, uploads)


def get_acl(service: OssService, request: OssRequest) -> Reply:
    service.store.bucket(request.bucket or "")
    return responses.bucket_acl()


# --- listing ---------------------------------------------------------------------------------------
def _list_page(service: OssService, request: OssRequest, marker: str) -> tuple[listing.Page, list]:
    bucket = request.bucket or ""
    prefix, delimiter = request.query.get("prefix", ""), request.query.get("delimiter", "")
    limit = int_argument(request, "max-keys", 100, 0, MAX_KEYS)
    keys = service.store.keys(bucket)
    start = listing.start_index(keys, prefix, marker)
    entries = ((keys[i], keys[i]) for i in range(start, len(keys)))
    page = listing.paginate(entries, prefix, delimiter, marker, limit)
    metas = service.store.lookup(bucket, [name for name, _ in page.items])
    return page, metas


def list_objects(service: OssService, request: OssRequest) -> Reply:
    url = encoding(request)
    marker = request.query.get("marker", "")
    page, metas = _list_page(service, request, marker)
    return responses.list_objects(request, page, metas, url, marker,
                                  int_argument(request, "max-keys", 100, 0, MAX_KEYS))


def _untoken(token: str) -> str:
    """The key a continuation token (:func:`localcloud.oss.responses.continuation_token`) names."""
    try:
        return base64.urlsafe_b64decode(token.encode()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise invalid_argument("Invalid continuation token", "continuation-token", token) from exc


def list_objects_v2(service: OssService, request: OssRequest) -> Reply:
    if request.query.get("list-type") != "2":
        raise invalid_argument("list-type must be 2", "list-type", request.query.get("list-type", ""))
    url = encoding(request)
    token, start_after = request.query.get("continuation-token", ""), request.query.get("start-after", "")
    page, metas = _list_page(service, request, _untoken(token) if token else start_after)
    return responses.list_objects_v2(request, page, metas, url, token, start_after,
                                     int_argument(request, "max-keys", 100, 0, MAX_KEYS))


def list_live_channels(service: OssService, request: OssRequest) -> Reply:
    """ListLiveChannel: always empty, as creating a live channel is refused."""
    service.store.bucket(request.bucket or "")
    return responses.list_live_channels(request, int_argument(request, "max-keys", 100, 1, 1000))


def delete_multiple_objects(service: OssService, request: OssRequest) -> Reply:
    bucket = request.bucket or ""
    service.store.bucket(bucket)
    url = encoding(request)
    body = request.body.read()
    content_md5 = request.header("Content-MD5")
    if not content_md5:
        raise OssError("MissingArgument", "Missing Some Required Arguments.", ArgumentName="Content-MD5")
    if base64.b64encode(hashlib.md5(body).digest()).decode() != content_md5:
        raise OssError("InvalidDigest")
    document = xml.parse(body, "Delete")
    quiet = xml.text(document, "Quiet", "false").lower() == "true"
    keys = [xml.text(node, "Key") for node in document.findall("Object")]
    if not keys or len(keys) > MAX_DELETE:
        raise OssError("MalformedXML")
    for key in keys:
        service.store.delete(bucket, key)
    return responses.deleted(keys, url, quiet)
