"""Request verification (signature V2 and V4) and response signing, as the Tablestore SDKs expect.

V2: base64(HMAC-SHA1(secret, "/Api\\nPOST\\n\\n" + sorted "name:value" of the x-ots-* headers + "\\n")).
V4 (client built with ``region=``): the same string plus the salt "ots", HMAC-SHA256 with the key
base64(HMAC chain "aliyun_v4"+secret -> sign date -> region -> "ots" -> "aliyun_v4_request").
A response is signed with the request's key: base64(HMAC-SHA1(key, sorted x-ots-* response headers
+ "\\n/Api")), in ``Authorization: OTS <access key id>:<signature>``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import uuid
from dataclasses import dataclass

from localcloud.settings import Settings
from localcloud.tablestore.errors import auth_failed, invalid

_SIGNATURE_HEADERS = ("x-ots-signature", "x-ots-signaturev4")
_REQUIRED = ("x-ots-date", "x-ots-apiversion", "x-ots-accesskeyid", "x-ots-instancename",
             "x-ots-contentmd5")
MAX_CLOCK_SKEW = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class SigningKey:
    """The key a verified request was signed with; the response is signed with it too."""

    access_key_id: str
    key: bytes


def _hmac_b64(key: bytes, text: str, digest) -> str:
    return base64.b64encode(hmac.new(key, text.encode("utf-8"), digest).digest()).decode()


def _canonical_headers(headers: dict[str, str]) -> str:
    items = sorted(f"{name}:{value.strip()}" for name, value in headers.items()
                   if name.startswith("x-ots-") and name not in _SIGNATURE_HEADERS)
    return "\n".join(items)


def v4_key(secret: str, sign_date: str, region: str) -> bytes:
    key = ("aliyun_v4" + secret).encode()
    for part in (sign_date, region, "ots", "aliyun_v4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return base64.b64encode(key)


def verify_request(api: str, headers: dict[str, str], body: bytes, settings: Settings,
                   now: dt.datetime | None = None) -> SigningKey:
    """Check a request's headers, body MD5 and signature; ``headers`` has lower-case names.
    Raises OTSAuthFailed (or OTSParameterInvalid for a bad body digest)."""
    missing = [name for name in _REQUIRED if name not in headers]
    if missing:
        raise auth_failed(f"Missing header(s) {', '.join(missing)}.")
    if headers["x-ots-accesskeyid"] != settings.access_key_id:
        raise auth_failed("The AccessKeyID does not exist.")
    if headers["x-ots-instancename"] != settings.instance:
        raise auth_failed(f"The instance {headers['x-ots-instancename']!r} does not exist.")
    try:
        sent = dt.datetime.strptime(headers["x-ots-date"], "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        raise auth_failed("Invalid x-ots-date.") from None
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if abs(now - sent) > MAX_CLOCK_SKEW:
        raise auth_failed("Mismatch between system time and x-ots-date.")
    digest = base64.b64encode(hashlib.md5(body).digest()).decode()
    if headers["x-ots-contentmd5"] != digest:
        raise invalid("The content MD5 of the request body does not match x-ots-contentmd5.")

    string_to_sign = f"/{api}\nPOST\n\n{_canonical_headers(headers)}\n"
    secret = settings.access_key_secret
    if "x-ots-signaturev4" in headers:
        sign_date = headers.get("x-ots-signdate", "")
        region = headers.get("x-ots-signregion", "")
        if region != settings.region:
            raise auth_failed(f"The sign region {region!r} does not match this endpoint.")
        key = v4_key(secret, sign_date, region)
        expected = _hmac_b64(key, string_to_sign + "ots", hashlib.sha256)
        given = headers["x-ots-signaturev4"]
    elif "x-ots-signature" in headers:
        key = secret.encode()
        expected = _hmac_b64(key, string_to_sign, hashlib.sha1)
        given = headers["x-ots-signature"]
    else:
        raise auth_failed("Missing header x-ots-signature.")
    if not hmac.compare_digest(expected, given):
        raise auth_failed("Signature mismatch.")
    return SigningKey(headers["x-ots-accesskeyid"], key)


def response_headers(api: str, body: bytes, signing: SigningKey | None) -> dict[str, str]:
    """The x-ots-* headers of an answer, signed when the request's key is known."""
    headers = {
        "x-ots-contentmd5": base64.b64encode(hashlib.md5(body).digest()).decode(),
        "x-ots-requestid": uuid.uuid4().hex,
        "x-ots-date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "x-ots-contenttype": "protocol buffer",
    }
    if signing is not None:
        signature = _hmac_b64(signing.key, f"{_canonical_headers(headers)}\n/{api}", hashlib.sha1)
        headers["Authorization"] = f"OTS {signing.access_key_id}:{signature}"
    return headers
