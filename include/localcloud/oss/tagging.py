"""Object tags as OSS checks them: at most 10 with distinct keys, keys of 1 to 128 and values of up
to 256 characters, made of letters (any script: OSS takes ``中文``), digits, spaces and
``+ - = . _ : /``. They come in the ``x-oss-tagging`` header of writes (``k1=v1&k2=v2``,
URL-encoded UTF-8) or as the ``<Tagging>`` document of PutObjectTagging."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from localcloud.oss import xml
from localcloud.oss.errors import OssError, invalid_argument
from localcloud.oss.request import OssRequest

MAX_TAGS = 10
_TEXT = re.compile(r"[\w +\-=.:/]*\Z")  # \w: letters and digits of any script, and "_"
_INVALID = "The tag provided was not a valid tag."


def _valid(pairs: list[tuple[str, str]]) -> bool:
    keys = [key for key, _ in pairs]
    return len(pairs) <= MAX_TAGS and len(set(keys)) == len(keys) and all(
        1 <= len(key) <= 128 and len(value) <= 256 and _TEXT.match(key) and _TEXT.match(value)
        for key, value in pairs)


def from_header(request: OssRequest) -> dict[str, str]:
    """Tags of ``x-oss-tagging`` (a key without ``=`` has the empty value); none when absent."""
    raw = request.header("x-oss-tagging")
    if not raw:
        return {}
    pairs = []
    for item in raw.split("&"):
        key, _, value = item.partition("=")
        if "=" in value:  # "aa=bb=cc"
            raise invalid_argument(_INVALID, "x-oss-tagging", raw)
        pairs.append((unquote_plus(key), unquote_plus(value)))
    if not _valid(pairs):
        raise invalid_argument(_INVALID, "x-oss-tagging", raw)
    return dict(pairs)


def from_xml(body: bytes) -> dict[str, str]:
    tag_set = xml.parse(body, "Tagging").find("TagSet")
    if tag_set is None:
        raise OssError("MalformedXML")
    pairs = [(xml.text(tag, "Key"), xml.text(tag, "Value", "")) for tag in tag_set.findall("Tag")]
    if not _valid(pairs):
        raise OssError("InvalidArgument", _INVALID)
    return dict(pairs)
