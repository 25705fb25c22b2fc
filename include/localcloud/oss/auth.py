"""Request signatures: V1 (``Authorization: OSS ak:sig``, oss2's default) and V4
(``OSS4-HMAC-SHA256 Credential=ak/date/region/oss/aliyun_v4_request, ..., Signature=hex``, the
v2 SDK's default and ``oss2.AuthV4``), verified against the server's one key pair."""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import hmac
from urllib.parse import quote

from localcloud.oss.errors import OssError
from localcloud.oss.request import OssRequest
from localcloud.settings import Settings

MAX_SKEW = dt.timedelta(minutes=15)

# Query parameters V1 signs (the others, e.g. prefix or max-keys, are not part of the resource).
V1_SUBRESOURCES = frozenset({
    "acl", "append", "asyncFetch", "bucketInfo", "callback", "callback-var", "comp", "continuation-token",
    "cors", "delete", "encryption", "endTime", "group", "inventory", "inventoryId", "lifecycle", "link",
    "live", "location", "logging", "metaQuery", "objectInfo", "objectMeta", "partNumber", "policy",
    "position", "qos", "qosInfo", "referer", "regionList", "replication", "replicationLocation",
    "replicationProgress", "requestPayment", "resourceGroup", "response-cache-control",
    "response-content-disposition", "response-content-encoding", "response-content-language",
    "response-content-type", "response-expires", "restore", "security-token", "sequential", "startTime",
    "stat", "status", "style", "styleName", "symlink", "tagging", "transferAcceleration", "uploadId",
    "uploads", "versionId", "versioning", "versions", "vod", "website", "worm", "wormExtend", "wormId",
    "x-oss-ac-forward-allow", "x-oss-ac-source-ip", "x-oss-ac-subnet-mask", "x-oss-ac-vpc-id",
    "x-oss-async-process", "x-oss-process", "x-oss-request-payer", "x-oss-traffic-limit",
})


def verify(request: OssRequest, settings: Settings, now: dt.datetime | None = None) -> None:
    """Raise the error OSS answers for an unsigned, stale or wrongly signed request."""
    now = now or dt.datetime.now(dt.UTC)
    authorization = request.header("Authorization")
    if authorization.startswith("OSS4-HMAC-SHA256 "):
        _verify_v4(request, authorization, settings, now)
    elif authorization.startswith("OSS "):
        _verify_v1(request, authorization, settings, now)
    elif authorization:
        raise OssError("InvalidArgument", "Authorization header is invalid.")
    else:
        raise OssError("AccessDenied")


def _check_key(access_key_id: str, settings: Settings) -> None:
    if access_key_id != settings.access_key_id:
        raise OssError("InvalidAccessKeyId", OSSAccessKeyId=access_key_id)


def _check_time(signed: dt.datetime | None, now: dt.datetime) -> None:
    if signed is None:
        raise OssError("AccessDenied", "OSS authentication requires a valid Date.")
    if abs(now - signed) > MAX_SKEW:
        raise OssError("RequestTimeTooSkewed", RequestTime=signed.isoformat(), ServerTime=now.isoformat())


def _mismatch(access_key_id: str, string_to_sign: str, provided: str) -> OssError:
    return OssError("SignatureDoesNotMatch", OSSAccessKeyId=access_key_id, SignatureProvided=provided,
                    StringToSign=string_to_sign)


# --- V1 ------------------------------------------------------------------------------------------
def _v1_resource(request: OssRequest) -> str:
    resource = "/" if request.bucket is None else f"/{request.bucket}/{request.key or ''}"
    signed = sorted((k, v) for k, v in request.query.items() if k in V1_SUBRESOURCES)
    if signed:
        resource += "?" + "&".join(f"{k}={v}" if v else k for k, v in signed)
    return resource


def _oss_headers(request: OssRequest) -> list[tuple[str, str]]:
    return sorted((name.lower(), value) for name, value in request.headers.items()
                  if name.lower().startswith("x-oss-"))


def _verify_v1(request: OssRequest, authorization: str, settings: Settings, now: dt.datetime) -> None:
    access_key_id, _, provided = authorization[len("OSS "):].rpartition(":")
    _check_key(access_key_id.strip(), settings)
    date = request.header("x-oss-date") or request.header("Date")
    try:
        signed_at = email.utils.parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        signed_at = None
    _check_time(signed_at, now)
    string_to_sign = "\n".join([
        request.method, request.header("Content-MD5"), request.header("Content-Type"), date,
        "".join(f"{k}:{v}\n" for k, v in _oss_headers(request)) + _v1_resource(request),
    ])
    digest = hmac.new(settings.access_key_secret.encode(), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    if not hmac.compare_digest(base64.b64encode(digest).decode(), provided.strip()):
        raise _mismatch(access_key_id, string_to_sign, provided)


# --- V4 ------------------------------------------------------------------------------------------
def _v4_fields(authorization: str) -> dict[str, str]:
    fields = {}
    for item in authorization[len("OSS4-HMAC-SHA256 "):].split(","):
        name, _, value = item.strip().partition("=")
        fields[name] = value
    if "Credential" not in fields or "Signature" not in fields:
        raise OssError("InvalidArgument", "Authorization header is invalid.")
    return fields


def _v4_canonical_request(request: OssRequest, additional: list[str]) -> str:
    uri = "/" if request.bucket is None else f"/{request.bucket}/{request.key or ''}"
    query = sorted((quote(k, safe=""), quote(v, safe="")) for k, v in request.query.items())
    signed_names = {"content-type", "content-md5", *additional}
    headers = sorted((name.lower(), value) for name, value in request.headers.items()
                     if name.lower().startswith("x-oss-") or name.lower() in signed_names)
    return "\n".join([
        request.method,
        quote(uri, safe="/"),
        "&".join(f"{k}={v}" if v else k for k, v in query),
        "".join(f"{k}:{v}\n" for k, v in headers),
        ";".join(additional),
        request.header("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
    ])


def _verify_v4(request: OssRequest, authorization: str, settings: Settings, now: dt.datetime) -> None:
    fields = _v4_fields(authorization)
    access_key_id, _, scope = fields["Credential"].partition("/")
    _check_key(access_key_id, settings)
    scope_parts = scope.split("/")
    if len(scope_parts) != 4 or scope_parts[3] != "aliyun_v4_request":
        raise OssError("InvalidArgument", "Authorization header is invalid.")
    day, region, product, _ = scope_parts
    if region != settings.region:
        raise OssError("InvalidArgument", "Invalid signing region in Authorization header.")
    timestamp = request.header("x-oss-date")
    try:
        signed_at = dt.datetime.strptime(timestamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        signed_at = None
    _check_time(signed_at, now)
    additional = sorted(h.strip().lower() for h in fields.get("AdditionalHeaders", "").split(";") if h.strip())
    canonical = _v4_canonical_request(request, additional)
    string_to_sign = "\n".join(["OSS4-HMAC-SHA256", timestamp, scope,
                                hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    key = ("aliyun_v4" + settings.access_key_secret).encode()
    for part in (day, region, product, "aliyun_v4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields["Signature"]):
        raise _mismatch(access_key_id, string_to_sign, fields["Signature"])
