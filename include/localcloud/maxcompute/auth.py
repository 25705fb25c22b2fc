"""``Authorization: ODPS <ak>:<signature>`` verification, as pyodps signs (``odps/accounts.py``).

String to sign: the method, then the values of ``content-md5``, ``content-type`` and ``date`` and
``name:value`` of every ``x-odps-*`` header and query parameter, in name order, then the resource:
the URL-decoded path below the endpoint plus the query parameters sorted by name (``k=v`` or
``k``). V2 signs with HMAC-SHA1 of the secret; V4 (``ak/date/region/odps/aliyun_v4_request``)
with a key derived from ``"aliyun_v4" + secret``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, unquote, urlsplit

from localcloud.maxcompute.errors import MaxComputeError

MAX_CLOCK_SKEW_SECONDS = 15 * 60
_V4_PREFIX = "aliyun_v4"


def string_to_sign(method: str, resource: str, headers: Mapping[str, str]) -> str:
    """The canonical string for ``resource`` (path and query below the endpoint, still quoted)."""
    parts = urlsplit(unquote(resource), allow_fragments=False)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    signed = {"content-md5": "", "content-type": ""}
    for name, value in headers.items():
        name = name.lower()
        if name in ("content-type", "content-md5") or name.startswith("x-odps-"):
            signed[name] = value
    signed["date"] = headers.get("Date", "")
    signed.update({k: v for k, v in params.items() if k.startswith("x-odps-")})
    lines = [method.upper()]
    for name in sorted(signed):
        lines.append(f"{name}:{signed[name]}" if name.startswith("x-odps-") else signed[name])
    canonical = parts.path
    if parts.query:
        canonical += "?" + "&".join(k if v == "" else f"{k}={v}" for k, v in sorted(params.items()))
    lines.append(canonical)
    return "\n".join(lines)


def _v4_key(secret: str, date: str, region: str) -> bytes:
    key = hmac.new((_V4_PREFIX + secret).encode(), date.encode(), hashlib.sha256).digest()
    key = hmac.new(key, region.encode(), hashlib.sha256).digest()
    key = hmac.new(key, b"odps", hashlib.sha256).digest()
    return hmac.new(key, f"{_V4_PREFIX}_request".encode(), hashlib.sha256).digest()


def verify(method: str, resource: str, headers: Mapping[str, str], access_key_id: str,
           access_key_secret: str, now: datetime | None = None) -> None:
    """Raise the service's error unless the request is signed with the given key."""
    auth = headers.get("Authorization") or ""
    scheme, _, credential = auth.partition(" ")
    if scheme != "ODPS" or ":" not in credential:
        raise MaxComputeError("AuthorizationRequired", "Authorization is invalid or missing")
    credential, _, signature = credential.rpartition(":")
    scope = credential.split("/")
    if scope[0] != access_key_id:
        raise MaxComputeError("SignatureNotMatch", "ODPS-0410042:Invalid signature value - "
                              "the access key id is not known")
    if len(scope) == 1:
        key = access_key_secret.encode()
    elif len(scope) == 5 and scope[3:] == ["odps", f"{_V4_PREFIX}_request"]:
        key = _v4_key(access_key_secret, scope[1], scope[2])
    else:
        raise MaxComputeError("AuthorizationRequired", "Authorization is invalid or missing")
    expected = base64.b64encode(
        hmac.new(key, string_to_sign(method, resource, headers).encode(), hashlib.sha1).digest()).decode()
    if not hmac.compare_digest(expected, signature):
        raise MaxComputeError("SignatureNotMatch", "ODPS-0410042:Invalid signature value - "
                              "User signature does not match")
    _check_date(headers.get("Date"), now or datetime.now(UTC))


def _check_date(value: str | None, now: datetime) -> None:
    try:
        sent = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        sent = None
    if sent is None or sent.tzinfo is None:
        raise MaxComputeError("AuthorizationRequired", "the Date header is invalid or missing")
    if abs((now - sent).total_seconds()) > MAX_CLOCK_SKEW_SECONDS:
        raise MaxComputeError("AuthenticationRequestExpired",
                              f"the request time {value} is too far from the server time")
