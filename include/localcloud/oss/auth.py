"""Request signatures, verified against the server's one key pair, in the four forms OSS takes:

* V1 header ``Authorization: OSS ak:sig`` (oss2's default, ali-oss's default);
* V1 URL ``?OSSAccessKeyId=&Expires=&Signature=`` (presigned: ``Expires`` takes the date's place);
* V4 header ``OSS4-HMAC-SHA256 Credential=ak/date/region/oss/aliyun_v4_request, ..., Signature=hex``
  (the v2 SDK's default, ``oss2.AuthV4``, ali-oss ``authorizationV4``);
* V4 URL ``?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=&x-oss-date=&x-oss-expires=
  &x-oss-signature=`` (presigned; every other query parameter is signed).

Header values are signed as the bytes that came over the wire: ``http.server`` reads them as
ISO-8859-1, so a UTF-8 ``x-oss-meta-*`` value is turned back into its bytes before hashing.
"""

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
MAX_URL_EXPIRES = 7 * 24 * 3600  # seconds a V4 presigned URL may live
V4_ALGORITHM = "OSS4-HMAC-SHA256"
V1_URL_FIELDS = ("OSSAccessKeyId", "Expires", "Signature")

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
    """Raise the error OSS answers for an unsigned, expired, stale or wrongly signed request."""
    now = now or dt.datetime.now(dt.UTC)
    authorization = request.header("Authorization")
    version = request.query.get("x-oss-signature-version")
    if authorization.startswith(V4_ALGORITHM + " "):
        _verify_v4_header(request, authorization, settings, now)
    elif authorization.startswith("OSS "):
        _verify_v1_header(request, authorization, settings, now)
    elif authorization.startswith("OSS2 ") or version == "OSS2":
        raise OssError("NotImplemented", "Signature version 2 (OSS2) is not supported by localcloud.")
    elif authorization:
        raise OssError("InvalidArgument", "Authorization header is invalid.")
    elif version == V4_ALGORITHM:
        _verify_v4_url(request, settings, now)
    elif version is not None:
        raise OssError("InvalidArgument", f"Unsupported signature version {version}.")
    elif all(name in request.query for name in V1_URL_FIELDS):
        _verify_v1_url(request, settings, now)
    else:
        raise OssError("AccessDenied")


def _wire(value: str) -> str:
    """A header value as text of its wire bytes: hashing it as UTF-8 (surrogateescape) gives
    back exactly the bytes the client sent."""
    return value.encode("latin-1", "replace").decode("utf-8", "surrogateescape")


def _digest(key: bytes, text: str, algorithm) -> bytes:
    return hmac.new(key, text.encode("utf-8", "surrogateescape"), algorithm).digest()


def _check_key(access_key_id: str, settings: Settings) -> None:
    if access_key_id != settings.access_key_id:
        raise OssError("InvalidAccessKeyId", OSSAccessKeyId=access_key_id)


def _check_time(signed: dt.datetime | None, now: dt.datetime) -> None:
    if signed is None:
        raise OssError("AccessDenied", "OSS authentication requires a valid Date.")
    if abs(now - signed) > MAX_SKEW:
        raise OssError("RequestTimeTooSkewed", RequestTime=signed.isoformat(), ServerTime=now.isoformat())


def _check_expiry(expires: dt.datetime, now: dt.datetime) -> None:
    if now > expires:
        raise OssError("AccessDenied", "Request has expired.", Expires=expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
                       ServerTime=now.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _mismatch(access_key_id: str, string_to_sign: str, provided: str) -> OssError:
    return OssError("SignatureDoesNotMatch", OSSAccessKeyId=access_key_id, SignatureProvided=provided,
                    StringToSign=string_to_sign)


def _oss_headers(request: OssRequest, extra: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Sorted (lower-case name, wire value) of the ``x-oss-*`` headers and of ``extra``."""
    return sorted((name.lower(), _wire(value)) for name, value in request.headers.items()
                  if name.lower().startswith("x-oss-") or name.lower() in extra)


# --- V1 ------------------------------------------------------------------------------------------
def _v1_resource(request: OssRequest) -> str:
    resource = "/" if request.bucket is None else f"/{request.bucket}/{request.key or ''}"
    signed = sorted((k, v) for k, v in request.query.items() if k in V1_SUBRESOURCES)
    if signed:
        resource += "?" + "&".join(f"{k}={v}" if v else k for k, v in signed)
    return resource


def _v1_check(request: OssRequest, access_key_id: str, date: str, provided: str, settings: Settings) -> None:
    string_to_sign = "\n".join([
        request.method, _wire(request.header("Content-MD5")), _wire(request.header("Content-Type")), _wire(date),
        "".join(f"{k}:{v}\n" for k, v in _oss_headers(request)) + _v1_resource(request),
    ])
    expected = base64.b64encode(_digest(settings.access_key_secret.encode(), string_to_sign, hashlib.sha1)).decode()
    if not hmac.compare_digest(expected, provided.strip()):
        raise _mismatch(access_key_id, string_to_sign, provided)


def _verify_v1_header(request: OssRequest, authorization: str, settings: Settings, now: dt.datetime) -> None:
    access_key_id, _, provided = authorization[len("OSS "):].rpartition(":")
    _check_key(access_key_id.strip(), settings)
    date = request.header("x-oss-date") or request.header("Date")
    try:
        signed_at = email.utils.parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        signed_at = None
    _check_time(signed_at, now)
    _v1_check(request, access_key_id, date, provided, settings)


def _verify_v1_url(request: OssRequest, settings: Settings, now: dt.datetime) -> None:
    access_key_id, expires = request.query["OSSAccessKeyId"], request.query["Expires"]
    _check_key(access_key_id, settings)
    if not expires.isdigit():
        raise OssError("AccessDenied", "Invalid expires.", Expires=expires)
    _check_expiry(dt.datetime.fromtimestamp(int(expires), dt.UTC), now)
    _v1_check(request, access_key_id, expires, request.query["Signature"], settings)


# --- V4 ------------------------------------------------------------------------------------------
def _v4_canonical_request(request: OssRequest, additional: list[str], skip_query: str | None) -> str:
    uri = "/" if request.bucket is None else f"/{request.bucket}/{request.key or ''}"
    query = sorted((quote(k, safe=""), quote(v, safe="")) for k, v in request.query.items() if k != skip_query)
    return "\n".join([
        request.method,
        quote(uri, safe="/"),
        "&".join(f"{k}={v}" if v else k for k, v in query),
        "".join(f"{k}:{v.strip()}\n" for k, v in _oss_headers(request, frozenset({"content-type", "content-md5",
                                                                                    *additional}))),
        ";".join(additional),
        _wire(request.header("x-oss-content-sha256", "UNSIGNED-PAYLOAD")),
    ])


def _v4_check(request: OssRequest, credential: str, timestamp: str, additional_field: str, provided: str,
              settings: Settings, now: dt.datetime, skip_query: str | None) -> dt.datetime:
    """Check a V4 signature; returns the signing time."""
    access_key_id, _, scope = credential.partition("/")
    _check_key(access_key_id, settings)
    scope_parts = scope.split("/")
    if len(scope_parts) != 4 or scope_parts[3] != "aliyun_v4_request":
        raise OssError("InvalidArgument", "Authorization header is invalid.")
    day, region, product, _ = scope_parts
    if region != settings.region:
        raise OssError("InvalidArgument", "Invalid signing region in Authorization header.")
    try:
        signed_at = dt.datetime.strptime(timestamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise OssError("AccessDenied", "OSS authentication requires a valid Date.") from None
    additional = sorted(h.strip().lower() for h in additional_field.split(";") if h.strip())
    canonical = _v4_canonical_request(request, additional, skip_query)
    string_to_sign = "\n".join([V4_ALGORITHM, timestamp, scope,
                                hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()])
    key = ("aliyun_v4" + settings.access_key_secret).encode()
    for part in (day, region, product, "aliyun_v4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(_digest(key, string_to_sign, hashlib.sha256).hex(), provided):
        raise _mismatch(access_key_id, string_to_sign, provided)
    return signed_at


def _verify_v4_header(request: OssRequest, authorization: str, settings: Settings, now: dt.datetime) -> None:
    fields = {}
    for item in authorization[len(V4_ALGORITHM) + 1:].split(","):
        name, _, value = item.strip().partition("=")
        fields[name] = value
    if "Credential" not in fields or "Signature" not in fields:
        raise OssError("InvalidArgument", "Authorization header is invalid.")
    signed_at = _v4_check(request, fields["Credential"], request.header("x-oss-date"),
                          fields.get("AdditionalHeaders", ""), fields["Signature"], settings, now, None)
    _check_time(signed_at, now)


def _verify_v4_url(request: OssRequest, settings: Settings, now: dt.datetime) -> None:
    query = request.query
    missing = [n for n in ("x-oss-credential", "x-oss-date", "x-oss-expires", "x-oss-signature") if n not in query]
    if missing:
        raise OssError("AccessDenied", f"Missing {', '.join(missing)} in the presigned URL.")
    expires = query["x-oss-expires"]
    if not expires.isdigit() or not 0 < int(expires) <= MAX_URL_EXPIRES:
        raise OssError("InvalidArgument", f"x-oss-expires must be between 1 and {MAX_URL_EXPIRES} seconds.",
                       ArgumentName="x-oss-expires", ArgumentValue=expires)
    signed_at = _v4_check(request, query["x-oss-credential"], query["x-oss-date"],
                          query.get("x-oss-additional-headers", ""), query["x-oss-signature"], settings, now,
                          "x-oss-signature")
    _check_expiry(signed_at + dt.timedelta(seconds=int(expires)), now)
