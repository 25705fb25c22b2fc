"""Multipart upload operations: initiate, upload part (from the body or copied from an object),
list parts, complete, abort, list uploads. Each reads its request, acts on the store and leaves
the answer's shape to :mod:`localcloud.oss.responses`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from localcloud.oss import blobs, listing, responses, xml
from localcloud.oss.errors import OssError, invalid_argument
from localcloud.oss.models import slices
from localcloud.oss.object_api import byte_range, copy_source, precondition, read_range, readable, receive
from localcloud.oss.protocol import attributes, encoding, forbid_overwrite, int_argument, object_key
from localcloud.oss.request import OssRequest, Reply
from localcloud.oss.store import MAX_OBJECT_SIZE

if TYPE_CHECKING:
    from localcloud.oss.models import Upload
    from localcloud.oss.service import OssService

MAX_PART_NUMBER = 10000
MIN_PART_SIZE = 100 * 1024   # every part but the last
MAX_LISTED = 1000


def _upload(service: OssService, request: OssRequest) -> Upload:
    key = object_key(request)
    service.store.bucket(request.bucket or "")
    return service.store.uploads.get(request.query.get("uploadId", ""), request.bucket or "", key)


def initiate(service: OssService, request: OssRequest) -> Reply:
    key, bucket = object_key(request), request.bucket or ""
    wanted = attributes(request, service.store.bucket(bucket).storage_class)
    if forbid_overwrite(request) and service.store.exists(bucket, key):
        raise OssError("FileAlreadyExists", Key=key)
    upload = service.store.uploads.initiate(bucket, key, wanted)
    return responses.initiated(upload, encoding(request))


def _part_number(request: OssRequest) -> int:
    raw = request.query.get("partNumber", "")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PART_NUMBER:
        raise invalid_argument("Part number must be an integer between 1 and 10000, inclusive.", "partNumber", raw)
    return int(raw)


def upload_part(service: OssService, request: OssRequest) -> Reply:
    upload = _upload(service, request)
    part = service.store.uploads.put_part(upload, _part_number(request), receive(service, request))
    return responses.part_written(part)


def upload_part_copy(service: OssService, request: OssRequest) -> Reply:
    """A part copied from (a byte range of) an existing object; an invalid range copies it whole."""
    upload = _upload(service, request)
    number = _part_number(request)
    source_bucket, source_key = copy_source(request)
    meta, files = service.store.open(source_bucket, source_key)
    try:
        readable(meta)
        precondition(meta, request, "x-oss-copy-source-", "PreconditionFailed")
        span = byte_range(request.header("x-oss-copy-source-range"), meta.size, standard=False)
        start, end = span if span is not None else (0, meta.size - 1)
        blob = blobs.write(service.store.tmp, read_range(files, slices(meta, start, end)), MAX_OBJECT_SIZE)
    finally:
        for handle in files:
            handle.close()
    return responses.part_copied(service.store.uploads.put_part(upload, number, blob))


def list_parts(service: OssService, request: OssRequest) -> Reply:
    upload = _upload(service, request)
    url = encoding(request)
    limit = int_argument(request, "max-parts", MAX_LISTED, 1, MAX_LISTED)
    marker = int_argument(request, "part-number-marker", 0, 0, MAX_PART_NUMBER)
    parts = sorted((p for p in service.store.uploads.parts(upload.upload_id).values() if p.number > marker),
                   key=lambda p: p.number)
    return responses.list_parts(upload, parts[:limit], url, marker, limit, len(parts) > limit)


def complete(service: OssService, request: OssRequest) -> Reply:
    upload = _upload(service, request)
    uploaded = service.store.uploads.parts(upload.upload_id)
    if request.header("x-oss-complete-all").lower() == "yes":
        request.body.drain()
        chosen = [uploaded[n] for n in sorted(uploaded)]
    else:
        document = xml.parse(request.body.read(), "CompleteMultipartUpload")
        chosen, previous = [], 0
        for node in document.findall("Part"):
            number_text, tag = xml.text(node, "PartNumber"), xml.text(node, "ETag").strip().strip('"').upper()
            if not number_text.isdigit():
                raise OssError("MalformedXML")
            number = int(number_text)
            if number <= previous:
                raise OssError("InvalidPartOrder", UploadId=upload.upload_id)
            part = uploaded.get(number)
            if part is None or part.etag != tag:
                raise OssError("InvalidPart", UploadId=upload.upload_id, PartNumber=str(number), ETag=tag)
            chosen.append(part)
            previous = number
    if not chosen:
        raise OssError("MalformedXML")
    for part in chosen[:-1]:
        if part.size < MIN_PART_SIZE:
            raise OssError("EntityTooSmall", PartNumber=str(part.number), ProposedSize=str(part.size),
                           MinSizeAllowed=str(MIN_PART_SIZE))
    meta = service.store.complete(upload, chosen, forbid_overwrite(request))
    return responses.completed(request, upload, meta, encoding(request))


def abort(service: OssService, request: OssRequest) -> Reply:
    service.store.uploads.remove(_upload(service, request).upload_id)
    return Reply(204)


def list_uploads(service: OssService, request: OssRequest) -> Reply:
    bucket = request.bucket or ""
    service.store.bucket(bucket)
    url = encoding(request)
    prefix, delimiter = request.query.get("prefix", ""), request.query.get("delimiter", "")
    key_marker, id_marker = request.query.get("key-marker", ""), request.query.get("upload-id-marker", "")
    limit = int_argument(request, "max-uploads", MAX_LISTED, 1, MAX_LISTED)
    uploads = service.store.uploads.in_bucket(bucket)
    # After (key-marker, upload-id-marker): later uploads of the marker key, then later keys.
    if id_marker:
        entries = [(u.key, u) for u in uploads if (u.key, u.upload_id) > (key_marker, id_marker)]
    else:
        entries = [(u.key, u) for u in uploads if u.key > key_marker]
    entries = [(name, u) for name, u in entries if name.startswith(prefix)]
    page = listing.paginate(entries, prefix, delimiter, key_marker if not id_marker else "", limit)
    return responses.list_uploads(bucket, page, url, key_marker, id_marker, delimiter, prefix, limit)
