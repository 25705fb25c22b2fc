"""Service- and bucket-level operations: buckets, their info, object listings, batch delete."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import TYPE_CHECKING

from localcloud.oss import listing, xml
from localcloud.oss.errors import OssError, invalid_argument
from localcloud.oss.models import STORAGE_CLASS, STORAGE_CLASSES
from localcloud.oss.protocol import OWNER, encode, encoding, etag, int_argument, iso8601
from localcloud.oss.request import OssRequest, Reply

if TYPE_CHECKING:
    from localcloud.oss.service import OssService

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
MAX_KEYS = 1000
MAX_DELETE = 1000


def _location(service: OssService) -> str:
    return f"oss-{service.settings.region}"


def list_buckets(service: OssService, request: OssRequest) -> Reply:
    prefix, marker = request.query.get("prefix", ""), request.query.get("marker", "")
    limit = int_argument(request, "max-keys", MAX_KEYS, 1, MAX_KEYS)
    names = [b for b in service.store.buckets() if b.name.startswith(prefix) and b.name > marker]
    page, truncated = names[:limit], len(names) > limit
    host = request.header("Host")
    children: list = [("Prefix", prefix), ("Marker", marker), ("MaxKeys", limit), ("IsTruncated", truncated)]
    if truncated:
        children.append(("NextMarker", page[-1].name))
    children += [("Owner", OWNER), ("Buckets", [("Bucket", [
        ("CreationDate", iso8601(b.created)), ("ExtranetEndpoint", host), ("IntranetEndpoint", host),
        ("Location", _location(service)), ("Name", b.name), ("Region", service.settings.region),
        ("StorageClass", b.storage_class)]) for b in page])]
    return Reply().xml(xml.render("ListAllMyBucketsResult", children))


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
    return Reply(headers={"Location": f"/{name}"})


def delete_bucket(service: OssService, request: OssRequest) -> Reply:
    service.store.delete_bucket(request.bucket or "")
    return Reply(204)


def get_bucket_info(service: OssService, request: OssRequest) -> Reply:
    bucket = service.store.bucket(request.bucket or "")
    host = request.header("Host")
    return Reply().xml(xml.render("BucketInfo", [("Bucket", [
        ("AccessMonitor", "Disabled"), ("CreationDate", iso8601(bucket.created)),
        ("CrossRegionReplication", "Disabled"), ("DataRedundancyType", "LRS"),
        ("ExtranetEndpoint", host), ("IntranetEndpoint", host), ("Location", _location(service)),
        ("Name", bucket.name), ("Region", service.settings.region), ("StorageClass", bucket.storage_class),
        ("TransferAcceleration", "Disabled"), ("Owner", OWNER),
        ("AccessControlList", [("Grant", "private")]), ("Comment", ""),
        ("ServerSideEncryptionRule", [("SSEAlgorithm", "None")]),
    ])]))


def get_bucket_location(service: OssService, request: OssRequest) -> Reply:
    service.store.bucket(request.bucket or "")
    return Reply().xml(xml.render("LocationConstraint", _location(service)))


def get_bucket_stat(service: OssService, request: OssRequest) -> Reply:
    size, count = service.store.usage(request.bucket or "")
    uploads = len(service.store.uploads.in_bucket(request.bucket or ""))
    return Reply().xml(xml.render("BucketStat", [
        ("Storage", size), ("ObjectCount", count), ("MultipartUploadCount", uploads),
        ("StandardStorage", size), ("StandardObjectCount", count)]))


def get_acl(service: OssService, request: OssRequest) -> Reply:
    """Buckets are private to the one local account."""
    service.store.bucket(request.bucket or "")
    return Reply().xml(xml.render("AccessControlPolicy", [
        ("Owner", OWNER), ("AccessControlList", [("Grant", "private")])]))


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


def _contents(metas: list, url: bool, owner: bool) -> list:
    entries = []
    for meta in metas:
        fields = [("Key", encode(meta.key, url)), ("LastModified", iso8601(meta.last_modified)),
                  ("ETag", etag(meta.etag)), ("Type", meta.object_type), ("Size", meta.size),
                  ("StorageClass", meta.attributes.storage_class)]
        if owner:
            fields.append(("Owner", OWNER))
        entries.append(("Contents", fields))
    return entries


def list_objects(service: OssService, request: OssRequest) -> Reply:
    url = encoding(request)
    marker = request.query.get("marker", "")
    page, metas = _list_page(service, request, marker)
    children: list = [("Name", request.bucket), ("Prefix", encode(request.query.get("prefix", ""), url)),
                      ("Marker", encode(marker, url)),
                      ("MaxKeys", int_argument(request, "max-keys", 100, 0, MAX_KEYS)),
                      ("Delimiter", encode(request.query.get("delimiter", ""), url))]
    if url:
        children.append(("EncodingType", "url"))
    children.append(("IsTruncated", page.truncated))
    if page.truncated:
        children.append(("NextMarker", encode(page.last, url)))
    children += _contents(metas, url, owner=True)
    children += [("CommonPrefixes", [("Prefix", encode(p, url))]) for p in page.prefixes]
    return Reply().xml(xml.render("ListBucketResult", children))


def _token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode("utf-8")).decode()


def _untoken(token: str) -> str:
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
    children: list = [("Name", request.bucket), ("Prefix", encode(request.query.get("prefix", ""), url))]
    if start_after:
        children.append(("StartAfter", encode(start_after, url)))
    if token:
        children.append(("ContinuationToken", token))
    children += [("MaxKeys", int_argument(request, "max-keys", 100, 0, MAX_KEYS)),
                 ("Delimiter", encode(request.query.get("delimiter", ""), url))]
    if url:
        children.append(("EncodingType", "url"))
    children.append(("IsTruncated", page.truncated))
    if page.truncated:
        children.append(("NextContinuationToken", encode(_token(page.last), url)))
    children.append(("KeyCount", len(metas) + len(page.prefixes)))
    children += _contents(metas, url, owner=request.query.get("fetch-owner", "").lower() == "true")
    children += [("CommonPrefixes", [("Prefix", encode(p, url))]) for p in page.prefixes]
    return Reply().xml(xml.render("ListBucketResult", children))


def list_live_channels(service: OssService, request: OssRequest) -> Reply:
    """ListLiveChannel: always empty, as creating a live channel is refused."""
    service.store.bucket(request.bucket or "")
    return Reply().xml(xml.render("ListLiveChannelResult", [
        ("Prefix", request.query.get("prefix", "")), ("Marker", request.query.get("marker", "")),
        ("MaxKeys", int_argument(request, "max-keys", 100, 1, 1000)), ("IsTruncated", False), ("NextMarker", "")]))


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
    children: list = [("EncodingType", "url")] if url else []
    if not quiet:
        children += [("Deleted", [("Key", encode(key, url))]) for key in keys]
    return Reply().xml(xml.render("DeleteResult", children))
