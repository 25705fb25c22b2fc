"""Pure logic of the local OSS server: CRC-64 combination, listing pages, request parsing, routing."""

from __future__ import annotations

import email.message
import io
import os

import oss2.utils
import pytest

from localcloud.oss import crc64, listing, routes
from localcloud.oss.errors import OssError
from localcloud.oss.request import Body, OssRequest, parse_query, split_path


@pytest.mark.parametrize("first,second", [(0, 0), (0, 7), (7, 0), (1, 1), (100, 12345), (3, (1 << 20) + 3)])
def test_crc64_matches_oss2_and_combines(first: int, second: int) -> None:
    a, b = os.urandom(first), os.urandom(second)
    reference = oss2.utils.Crc64(0)
    reference.update(a + b)
    assert crc64.update(0, a + b) == reference.crc
    assert crc64.update(crc64.update(0, a), b) == reference.crc
    assert crc64.combine(crc64.update(0, a), crc64.update(0, b), second) == reference.crc


def _page(names, prefix="", delimiter="", marker="", limit=100):
    names = sorted(names)
    start = listing.start_index(names, prefix, marker)
    return listing.paginate(((n, n) for n in names[start:]), prefix, delimiter, marker, limit)


def test_listing_rolls_up_common_prefixes_and_pages_past_them() -> None:
    names = ["a/1", "a/2", "b", "c/x/1", "c/y", "d"]
    page = _page(names, delimiter="/", limit=2)
    assert ([n for n, _ in page.items], page.prefixes, page.truncated, page.last) == (["b"], ["a/"], True, "b")
    page = _page(names, delimiter="/", marker="b", limit=2)
    assert ([n for n, _ in page.items], page.prefixes, page.truncated) == (["d"], ["c/"], False)
    # a marker that is itself a common prefix skips everything under it
    assert _page(names, delimiter="/", marker="a/").prefixes == ["c/"]
    page = _page(names, prefix="c/", delimiter="/")
    assert ([n for n, _ in page.items], page.prefixes) == (["c/y"], ["c/x/"])


def test_listing_limit_zero_is_an_empty_complete_page() -> None:
    page = _page(["a", "b"], limit=0)
    assert (page.items, page.truncated) == ([], False)


def test_query_and_path_parsing_decode_as_the_sdks_encode() -> None:
    assert parse_query("uploads&encoding-type=url&prefix=a+b%2Fc&continuation-token=") == {
        "uploads": "", "encoding-type": "url", "prefix": "a b/c", "continuation-token": ""}
    assert split_path("/bkt/a%20b%2F%C3%BC%3Fx") == ("bkt", "a b/ü?x")
    assert split_path("/bkt/dir/k+1") == ("bkt", "dir/k+1")
    assert split_path("/bkt/") == ("bkt", None)
    assert split_path("/") == (None, None)


def _request(method: str, path: str, query: str = "", **headers: str) -> OssRequest:
    message = email.message.Message()
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    bucket, key = split_path(path)
    return OssRequest(method, bucket, key, parse_query(query), message,
                      Body(io.BytesIO(), message, lambda: iter(())), "ID")


@pytest.mark.parametrize("method,path,query,headers,op", [
    ("GET", "/", "", {}, "ListBuckets"),
    ("GET", "/b", "", {}, "ListObjects"),
    ("GET", "/b", "list-type=2&continuation-token=", {}, "ListObjectsV2"),
    ("GET", "/b", "uploads", {}, "ListMultipartUploads"),
    ("POST", "/b/k", "uploads", {}, "InitiateMultipartUpload"),
    ("PUT", "/b/k", "partNumber=1&uploadId=U", {}, "UploadPart"),
    ("POST", "/b/k", "append&position=0", {}, "AppendObject"),
    ("PUT", "/b/k", "", {"x_oss_copy_source": "/b/src"}, "CopyObject"),
    ("PUT", "/b/k", "", {}, "PutObject"),
    ("HEAD", "/b/k", "objectMeta", {}, "GetObjectMeta"),
])
def test_routes_pick_the_operation(method, path, query, headers, op) -> None:
    assert routes.resolve(_request(method, path, query, **headers)).op == op


@pytest.mark.parametrize("method,path,query,headers,code", [
    ("GET", "/b/k", "append", {}, "NotImplemented"),      # no GET ?append: not a plain GetObject
    ("GET", "/b/k", "cors", {}, "NotImplemented"),
    ("GET", "/b/k", "restore", {}, "NotImplemented"),
    ("PUT", "/b/k", "", {"x_oss_callback": "e30="}, "NotImplemented"),
    ("PUT", "/b/k", "", {"x_oss_server_side_encryption": "AES256"}, "NotImplemented"),
    ("POST", "/b", "", {}, "NotImplemented"),              # PostObject
    ("POST", "/b/k", "", {}, "MethodNotAllowed"),
])
def test_routes_refuse_what_they_do_not_serve(method, path, query, headers, code) -> None:
    with pytest.raises(OssError) as caught:
        routes.resolve(_request(method, path, query, **headers))
    assert caught.value.code == code
    if code == "NotImplemented":
        assert "not supported by localcloud" in caught.value.message
