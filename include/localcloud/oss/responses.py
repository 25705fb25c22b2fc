"""The OSS answers: operation results turned into XML bodies and headers as OSS writes them
(dates, quoted ETags, URL-encoded names, the owner, object headers, gzip). The operations in
``*_api.py`` decide what happened; the functions here only shape the :class:`Reply`.

Header values are sent back as they came off the wire (bytes read as ISO-8859-1, how
``http.server`` reads them), so UTF-8 metadata returns byte for byte."""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import zlib
from typing import BinaryIO
from urllib.parse import quote

from localcloud.oss import listing, xml
from localcloud.oss.addressing import PATH
from localcloud.oss.errors import OssError
from localcloud.oss.models import APPENDABLE, Bucket, ObjectMeta, Part, Upload, slices
from localcloud.oss.request import OssRequest, Reply

OWNER_ID = "1000000000000000"   # the one (local) account owning every bucket
OWNER: list = [("ID", OWNER_ID), ("DisplayName", OWNER_ID)]
# GET parameters that override the answer's headers.
_RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type", "response-content-language": "Content-Language",
    "response-expires": "Expires", "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition", "response-content-encoding": "Content-Encoding",
}
# OSS compresses a whole-object GET that accepts gzip when the object is a web text type of 1 KB or more.
GZIP_TYPES = frozenset({"text/cache-manifest", "text/xml", "text/css", "text/html", "text/plain",
                        "application/javascript", "application/x-javascript", "application/rss+xml",
                        "application/json", "text/json"})
GZIP_MIN_SIZE = 1024


# --- formats ---------------------------------------------------------------------------------------
def iso8601(timestamp: float) -> str:
    """``2024-01-02T03:04:05.000Z``: whole seconds, as OSS writes dates (oss2 insists on ``.000Z``)."""
    return dt.datetime.fromtimestamp(int(timestamp), dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


def encode(name: str, url: bool) -> str:
    return quote(name, safe="/") if url else name


def etag(value: str) -> str:
    return f'"{value}"'


def error_answer(error: OssError, request: OssRequest, head: bool) -> tuple[dict[str, str], bytes]:
    """The headers an error answer adds to the error's own, and its body; 304 has none."""
    headers: dict[str, str] = {}
    if error.status == 304:
        return headers, b""
    body = xml.render("Error", [
        ("Code", error.code), ("Message", error.message), ("RequestId", request.request_id),
        ("HostId", request.header("Host")), *error.fields.items()])
    headers["Content-Type"] = "application/xml"
    if head:  # no body: the SDKs read the error from this header
        headers["x-oss-err"] = base64.b64encode(body).decode()
    return headers, body


# --- objects ---------------------------------------------------------------------------------------
def _written(meta: ObjectMeta) -> dict[str, str]:
    """Headers answering a write."""
    headers = {"ETag": etag(meta.etag), "x-oss-hash-crc64ecma": str(meta.crc64)}
    if meta.content_md5:
        headers["Content-MD5"] = meta.content_md5
    return headers


def written(meta: ObjectMeta) -> Reply:
    return Reply(headers=_written(meta))


def appended(meta: ObjectMeta) -> Reply:
    headers = _written(meta)
    headers["x-oss-next-append-position"] = str(meta.size)
    return Reply(headers=headers)


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


def get_object(meta: ObjectMeta, files: list[BinaryIO], span: tuple[int, int] | None,
               request: OssRequest) -> Reply:
    """The object's bytes (``span``: an inclusive byte range, None for all of them), with the
    headers the request's ``response-*`` parameters override."""
    headers = object_headers(meta)
    for parameter, header in _RESPONSE_OVERRIDES.items():
        if parameter in request.query:
            headers[header] = request.query[parameter]
    if span is None and _compresses(meta, request):
        return _gzipped(headers, files, slices(meta, 0, meta.size - 1))
    if span is None:
        return Reply(headers=headers, files=files, ranges=slices(meta, 0, meta.size - 1))
    start, end = span
    del headers["x-oss-hash-crc64ecma"]  # a range's CRC is not the object's; clients would compare
    headers["Content-Range"] = f"bytes {start}-{end}/{meta.size}"
    return Reply(206, headers, files=files, ranges=slices(meta, start, end))


def _compresses(meta: ObjectMeta, request: OssRequest) -> bool:
    accepted = {part.split(";")[0].strip().lower() for part in request.header("Accept-Encoding").split(",")}
    media_type = meta.attributes.content_type.split(";")[0].strip().lower()
    return "gzip" in accepted and media_type in GZIP_TYPES and meta.size >= GZIP_MIN_SIZE


def _gzipped(headers: dict[str, str], files: list[BinaryIO], ranges: list[tuple[int, int, int]]) -> Reply:
    """The object gzip-compressed and sent chunked: OSS then omits ETag, Content-Length and
    Accept-Ranges, and keeps the CRC-64 of the uncompressed bytes."""
    compressor = zlib.compressobj(wbits=31)  # 31: the gzip container
    parts = []
    try:
        for index, offset, count in ranges:
            handle = files[index]
            handle.seek(offset)
            parts.append(compressor.compress(handle.read(count)))
    finally:
        for handle in files:
            handle.close()
    parts.append(compressor.flush())
    for name in ("ETag", "Accept-Ranges"):
        headers.pop(name, None)
    headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return Reply(headers=headers, body=b"".join(parts), chunked=True)


def head_object(meta: ObjectMeta) -> Reply:
    return Reply(headers=object_headers(meta), length=meta.size)


def object_meta(meta: ObjectMeta) -> Reply:
    return Reply(headers={"ETag": etag(meta.etag), "Last-Modified": http_date(meta.last_modified),
                          "x-oss-hash-crc64ecma": str(meta.crc64)}, length=meta.size)


def copy_object(meta: ObjectMeta) -> Reply:
    reply = Reply(headers={"x-oss-hash-crc64ecma": str(meta.crc64)})
    return reply.xml(xml.render("CopyObjectResult", [
        ("ETag", etag(meta.etag)), ("LastModified", iso8601(meta.last_modified))]))


def object_acl(meta: ObjectMeta) -> Reply:
    return Reply().xml(xml.render("AccessControlPolicy", [
        ("Owner", OWNER), ("AccessControlList", [("Grant", meta.attributes.acl)])]))


def object_tagging(tags: dict[str, str]) -> Reply:
    return Reply().xml(xml.render("Tagging", [
        ("TagSet", [("Tag", [("Key", k), ("Value", v)]) for k, v in tags.items()])]))


# --- service and buckets ---------------------------------------------------------------------------
def _location(region: str) -> str:
    return f"oss-{region}"


def list_buckets(page: list[Bucket], prefix: str, marker: str, limit: int, truncated: bool, host: str,
                 region: str) -> Reply:
    children: list = [("Prefix", prefix), ("Marker", marker), ("MaxKeys", limit), ("IsTruncated", truncated)]
    if truncated:
        children.append(("NextMarker", page[-1].name))
    children += [("Owner", OWNER), ("Buckets", [("Bucket", [
        ("CreationDate", iso8601(b.created)), ("ExtranetEndpoint", host), ("IntranetEndpoint", host),
        ("Location", _location(region)), ("Name", b.name), ("Region", region),
        ("StorageClass", b.storage_class)]) for b in page])]
    return Reply().xml(xml.render("ListAllMyBucketsResult", children))


def bucket_created(name: str) -> Reply:
    return Reply(headers={"Location": f"/{name}"})


def bucket_info(bucket: Bucket, host: str, region: str) -> Reply:
    return Reply().xml(xml.render("BucketInfo", [("Bucket", [
        ("AccessMonitor", "Disabled"), ("CreationDate", iso8601(bucket.created)),
        ("CrossRegionReplication", "Disabled"), ("DataRedundancyType", "LRS"),
        ("ExtranetEndpoint", host), ("IntranetEndpoint", host), ("Location", _location(region)),
        ("Name", bucket.name), ("Region", region), ("StorageClass", bucket.storage_class),
        ("TransferAcceleration", "Disabled"), ("Owner", OWNER),
        ("AccessControlList", [("Grant", "private")]), ("Comment", ""),
        ("ServerSideEncryptionRule", [("SSEAlgorithm", "None")]),
    ])]))


def bucket_location(region: str) -> Reply:
    return Reply().xml(xml.render("LocationConstraint", _location(region)))


def bucket_stat(size: int, count: int, uploads: int) -> Reply:
    return Reply().xml(xml.render("BucketStat", [
        ("Storage", size), ("ObjectCount", count), ("MultipartUploadCount", uploads),
        ("StandardStorage", size), ("StandardObjectCount", count)]))


def bucket_acl() -> Reply:
    """Buckets are private to the one local account."""
    return Reply().xml(xml.render("AccessControlPolicy", [
        ("Owner", OWNER), ("AccessControlList", [("Grant", "private")])]))


def _contents(metas: list[ObjectMeta], url: bool, owner: bool) -> list:
    entries = []
    for meta in metas:
        fields = [("Key", encode(meta.key, url)), ("LastModified", iso8601(meta.last_modified)),
                  ("ETag", etag(meta.etag)), ("Type", meta.object_type), ("Size", meta.size),
                  ("StorageClass", meta.attributes.storage_class)]
        if owner:
            fields.append(("Owner", OWNER))
        entries.append(("Contents", fields))
    return entries


def _common_prefixes(page: listing.Page, url: bool) -> list:
    return [("CommonPrefixes", [("Prefix", encode(p, url))]) for p in page.prefixes]


def list_objects(request: OssRequest, page: listing.Page, metas: list[ObjectMeta], url: bool, marker: str,
                 limit: int) -> Reply:
    children: list = [("Name", request.bucket), ("Prefix", encode(request.query.get("prefix", ""), url)),
                      ("Marker", encode(marker, url)), ("MaxKeys", limit),
                      ("Delimiter", encode(request.query.get("delimiter", ""), url))]
    if url:
        children.append(("EncodingType", "url"))
    children.append(("IsTruncated", page.truncated))
    if page.truncated:
        children.append(("NextMarker", encode(page.last, url)))
    children += _contents(metas, url, owner=True)
    children += _common_prefixes(page, url)
    return Reply().xml(xml.render("ListBucketResult", children))


def continuation_token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode("utf-8")).decode()


def list_objects_v2(request: OssRequest, page: listing.Page, metas: list[ObjectMeta], url: bool, token: str,
                    start_after: str, limit: int) -> Reply:
    children: list = [("Name", request.bucket), ("Prefix", encode(request.query.get("prefix", ""), url))]
    if start_after:
        children.append(("StartAfter", encode(start_after, url)))
    if token:
        children.append(("ContinuationToken", token))
    children += [("MaxKeys", limit), ("Delimiter", encode(request.query.get("delimiter", ""), url))]
    if url:
        children.append(("EncodingType", "url"))
    children.append(("IsTruncated", page.truncated))
    if page.truncated:
        children.append(("NextContinuationToken", encode(continuation_token(page.last), url)))
    children.append(("KeyCount", len(metas) + len(page.prefixes)))
    children += _contents(metas, url, owner=request.query.get("fetch-owner", "").lower() == "true")
    children += _common_prefixes(page, url)
    return Reply().xml(xml.render("ListBucketResult", children))


def list_live_channels(request: OssRequest, limit: int) -> Reply:
    """Always empty, as creating a live channel is refused."""
    return Reply().xml(xml.render("ListLiveChannelResult", [
        ("Prefix", request.query.get("prefix", "")), ("Marker", request.query.get("marker", "")),
        ("MaxKeys", limit), ("IsTruncated", False), ("NextMarker", "")]))


def deleted(keys: list[str], url: bool, quiet: bool) -> Reply:
    children: list = [("EncodingType", "url")] if url else []
    if not quiet:
        children += [("Deleted", [("Key", encode(key, url))]) for key in keys]
    return Reply().xml(xml.render("DeleteResult", children))


# --- multipart uploads -----------------------------------------------------------------------------
def _encoding_type(url: bool) -> list:
    return [("EncodingType", "url")] if url else []


def initiated(upload: Upload, url: bool) -> Reply:
    children = _encoding_type(url)
    children += [("Bucket", upload.bucket), ("Key", encode(upload.key, url)), ("UploadId", upload.upload_id)]
    return Reply().xml(xml.render("InitiateMultipartUploadResult", children))


def _part_headers(part: Part) -> dict[str, str]:
    return {"ETag": etag(part.etag), "x-oss-hash-crc64ecma": str(part.crc64)}


def part_written(part: Part) -> Reply:
    return Reply(headers=_part_headers(part))


def part_copied(part: Part) -> Reply:
    # The ETag travels in the body and, as oss2 reads it, in the header too.
    return Reply(headers=_part_headers(part)).xml(xml.render("CopyPartResult", [
        ("LastModified", iso8601(part.last_modified)), ("ETag", etag(part.etag))]))


def list_parts(upload: Upload, page: list[Part], url: bool, marker: int, limit: int, truncated: bool) -> Reply:
    children = _encoding_type(url)
    children += [("Bucket", upload.bucket), ("Key", encode(upload.key, url)), ("UploadId", upload.upload_id),
                 ("PartNumberMarker", marker), ("NextPartNumberMarker", page[-1].number if page else marker),
                 ("MaxParts", limit), ("IsTruncated", truncated)]
    children += [("Part", [("PartNumber", p.number), ("LastModified", iso8601(p.last_modified)),
                           ("ETag", etag(p.etag)), ("HashCrc64ecma", p.crc64), ("Size", p.size)]) for p in page]
    return Reply().xml(xml.render("ListPartsResult", children))


def completed(request: OssRequest, upload: Upload, meta: ObjectMeta, url: bool) -> Reply:
    children = _encoding_type(url)
    path = encode(upload.key, True) if request.style != PATH else f"{upload.bucket}/{encode(upload.key, True)}"
    children += [("Location", f"http://{request.header('Host')}/{path}"),
                 ("Bucket", upload.bucket), ("Key", encode(upload.key, url)), ("ETag", etag(meta.etag))]
    return Reply(headers=_written(meta)).xml(xml.render("CompleteMultipartUploadResult", children))


def list_uploads(bucket: str, page: listing.Page, url: bool, key_marker: str, id_marker: str,
                 delimiter: str, prefix: str, limit: int) -> Reply:
    last_upload = page.items[-1][1] if page.items and page.last == page.items[-1][0] else None
    children: list = [("Bucket", bucket)]
    if url:
        children.append(("EncodingType", "url"))
    children += [("KeyMarker", encode(key_marker, url)), ("UploadIdMarker", id_marker),
                 ("NextKeyMarker", encode(page.last if page.truncated else "", url)),
                 ("NextUploadIdMarker", last_upload.upload_id if page.truncated and last_upload else ""),
                 ("Delimiter", encode(delimiter, url)), ("Prefix", encode(prefix, url)),
                 ("MaxUploads", limit), ("IsTruncated", page.truncated)]
    children += [("Upload", [("Key", encode(u.key, url)), ("UploadId", u.upload_id),
                             ("Initiated", iso8601(u.initiated)), ("StorageClass", u.attributes.storage_class)])
                 for _, u in page.items]
    children += _common_prefixes(page, url)
    return Reply().xml(xml.render("ListMultipartUploadsResult", children))
