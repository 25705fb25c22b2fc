"""Routing as data: (method, level, sub-resources, header) -> operation name and function.

Level is service (``/``), bucket (``/b``) or object (``/b/k``). The first route that fits wins, so
the table lists a route with a header condition before the same route without."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from localcloud.oss import bucket_api, multipart_api, object_api
from localcloud.oss.errors import OssError
from localcloud.oss.request import OssRequest, Reply

SERVICE, BUCKET, OBJECT = "service", "bucket", "object"

# Sub-resources that select an operation: a request naming any other one (``?tagging``, ``?cors``,
# ...) is answered NotImplemented instead of being mistaken for a plain GET or PUT.
SELECTORS = frozenset({"acl", "append", "bucketInfo", "delete", "list-type", "live", "location", "objectMeta",
                       "partNumber", "stat", "tagging", "uploadId", "uploads"})
UNSUPPORTED = frozenset({"callback", "cname", "cors", "encryption", "inventory", "lifecycle", "logging", "policy",
                         "referer", "replication", "restore", "symlink", "versioning", "versions", "vod", "website",
                         "worm", "x-oss-async-process", "x-oss-process"})
# Request headers asking for what this server does not do; ignoring them would answer a success
# that is not what OSS does (no callback made, an object reported unencrypted).
UNSUPPORTED_HEADERS = ("x-oss-callback", "x-oss-server-side-encryption", "x-oss-server-side-data-encryption",
                       "x-oss-server-side-encryption-key-id")


@dataclass(frozen=True)
class Route:
    method: str
    level: str
    op: str      # operation name, also the fault-injection name
    call: Callable[..., Reply]
    params: tuple[str, ...] = ()
    header: str | None = None


ROUTES: tuple[Route, ...] = (
    Route("GET", SERVICE, "ListBuckets", bucket_api.list_buckets),
    Route("PUT", BUCKET, "PutBucket", bucket_api.put_bucket),
    Route("DELETE", BUCKET, "DeleteBucket", bucket_api.delete_bucket),
    Route("GET", BUCKET, "GetBucketInfo", bucket_api.get_bucket_info, ("bucketInfo",)),
    Route("GET", BUCKET, "GetBucketLocation", bucket_api.get_bucket_location, ("location",)),
    Route("GET", BUCKET, "GetBucketStat", bucket_api.get_bucket_stat, ("stat",)),
    Route("GET", BUCKET, "GetBucketAcl", bucket_api.get_acl, ("acl",)),
    Route("GET", BUCKET, "ListMultipartUploads", multipart_api.list_uploads, ("uploads",)),
    # Live channels cannot be created here (PUT ?live is refused), so a bucket lists none.
    Route("GET", BUCKET, "ListLiveChannel", bucket_api.list_live_channels, ("live",)),
    Route("GET", BUCKET, "ListObjectsV2", bucket_api.list_objects_v2, ("list-type",)),
    Route("GET", BUCKET, "ListObjects", bucket_api.list_objects),
    Route("POST", BUCKET, "DeleteMultipleObjects", bucket_api.delete_multiple_objects, ("delete",)),
    Route("POST", OBJECT, "InitiateMultipartUpload", multipart_api.initiate, ("uploads",)),
    Route("PUT", OBJECT, "UploadPartCopy", multipart_api.upload_part_copy, ("uploadId", "partNumber"),
          header="x-oss-copy-source"),
    Route("PUT", OBJECT, "UploadPart", multipart_api.upload_part, ("uploadId", "partNumber")),
    Route("GET", OBJECT, "ListParts", multipart_api.list_parts, ("uploadId",)),
    Route("POST", OBJECT, "CompleteMultipartUpload", multipart_api.complete, ("uploadId",)),
    Route("DELETE", OBJECT, "AbortMultipartUpload", multipart_api.abort, ("uploadId",)),
    Route("POST", OBJECT, "AppendObject", object_api.append_object, ("append",)),
    Route("HEAD", OBJECT, "GetObjectMeta", object_api.get_object_meta, ("objectMeta",)),
    Route("GET", OBJECT, "GetObjectAcl", object_api.get_object_acl, ("acl",)),
    Route("PUT", OBJECT, "PutObjectAcl", object_api.put_object_acl, ("acl",)),
    Route("GET", OBJECT, "GetObjectTagging", object_api.get_object_tagging, ("tagging",)),
    Route("PUT", OBJECT, "PutObjectTagging", object_api.put_object_tagging, ("tagging",)),
    Route("DELETE", OBJECT, "DeleteObjectTagging", object_api.delete_object_tagging, ("tagging",)),
    Route("PUT", OBJECT, "CopyObject", object_api.copy_object, header="x-oss-copy-source"),
    Route("PUT", OBJECT, "PutObject", object_api.put_object),
    Route("GET", OBJECT, "GetObject", object_api.get_object),
    Route("HEAD", OBJECT, "HeadObject", object_api.head_object),
    Route("DELETE", OBJECT, "DeleteObject", object_api.delete_object),
)


def level(request: OssRequest) -> str:
    if request.bucket is None:
        return SERVICE
    return BUCKET if request.key is None else OBJECT


def resolve(request: OssRequest) -> Route:
    """The route serving ``request``: the selecting sub-resources present must be exactly the
    route's (``GET ?append`` is no GetObject)."""
    for header in UNSUPPORTED_HEADERS:
        if request.header(header):
            raise OssError("NotImplemented", f"The header {header} is not supported by localcloud.")
    present = SELECTORS & request.query.keys()
    unsupported = sorted(UNSUPPORTED & request.query.keys())
    if not unsupported:
        where = level(request)
        for route in ROUTES:
            if (route.method == request.method and route.level == where and present == set(route.params)
                    and (route.header is None or request.header(route.header))):
                return route
    if present or unsupported:
        names = "&".join(unsupported or sorted(present))
        raise OssError("NotImplemented", f"{request.method} ?{names} on this resource is not supported by localcloud.")
    if (request.method, level(request)) == ("POST", BUCKET):
        raise OssError("NotImplemented", "PostObject (form upload) is not supported by localcloud.")
    raise OssError("MethodNotAllowed")
