"""The local OSS server through the official Node.js SDK (npm ali-oss 6.23.0) in every addressing
style it uses (path, virtual-host <bucket>.localhost, the region domain in Host on an IP
connection, cname; V1 and V4 signatures), object and multipart calls, presigned URLs, and the
metadata OSS keeps (UTF-8 values, storage class, ACL, tags)."""

from __future__ import annotations

import hashlib
import uuid

import oss2
import pytest

from localcloud.oss.control import bind_cname
from tests.conformance.node_runner import Report, run_node

STYLES = ["ip", "path", "virtualHost", "cname", "v4", "v4Ip"]
PART = 100 * 1024


@pytest.fixture(scope="module")
def report(localcloud) -> Report:
    info = localcloud.endpoints["oss"]
    name = f"node-{uuid.uuid4().hex[:12]}"
    bucket = oss2.Bucket(oss2.Auth(info["access_key_id"], info["access_key_secret"]), info["endpoint"], name)
    bucket.create_bucket()
    domain = f"{name}.example.test"
    bind_cname(info["endpoint"], domain, name)
    steps = run_node("oss.js", localcloud.endpoints, {"LOCALCLOUD_OSS_BUCKET": name, "LOCALCLOUD_OSS_CNAME": domain})
    yield Report("oss.js", steps)
    bucket.delete_bucket()  # the script's cleanup step emptied it


@pytest.mark.parametrize("style", STYLES)
def test_objects_in_every_addressing_style(report, style):
    written = report["addressing"][style]
    expected = f"written in {style} style"
    assert written["body"] == expected and written["size"] == len(expected)
    assert written["md5"] == hashlib.md5(expected.encode()).hexdigest().upper()
    assert (written["contentType"], written["metaStyle"]) == ("text/plain", style)
    assert written["listed"] == [f"styles/{style}/a b+ü.txt"]
    assert written["gone"] == 404


def test_byte_ranges(report):
    ranges = report["ranges"]
    assert ranges["part"] == {"status": 206, "bytes": list(range(10, 20)), "range": "bytes 10-19/100"}
    assert ranges["suffix"] == {"status": 206, "bytes": list(range(95, 100)), "range": "bytes 95-99/100"}
    assert ranges["open"] == ranges["suffix"]
    assert (ranges["beyondStatus"], ranges["beyondLength"]) == (200, 100)  # OSS answers the whole object


def test_listing_v1_and_v2_with_paging(report):
    listing = report["listing"]
    assert listing["v1"] == [
        {"names": ["list/a1", "list/a2"], "prefixes": []},
        {"names": ["list/c"], "prefixes": ["list/b/"]},
        {"names": ["list/e"], "prefixes": ["list/d/"]},
        {"names": ["list/ü z"], "prefixes": []},
    ]
    keys = ["list/a1", "list/a2", "list/b/1", "list/b/2", "list/c", "list/d/x", "list/e", "list/ü z"]
    assert [page["names"] for page in listing["v2"]] == [keys[0:3], keys[3:6], keys[6:]]
    assert listing["after"] == ["list/d/x", "list/e", "list/ü z"]
    assert listing["owner"]
    assert listing["sizes"] == [["list/a1", 7, "Normal", "Standard"], ["list/a2", 7, "Normal", "Standard"]]


def test_copy(report):
    copy = report["copy"]
    assert copy["body"] == "source bytes"
    assert copy["etag"].strip('"') == hashlib.md5(b"source bytes").hexdigest().upper()
    assert copy["kept"] == [{"a": "1"}, "text/csv"]
    assert copy["replaced"] == [{"b": "2"}, "text/plain"]
    assert (copy["missing"]["status"], copy["missing"]["code"]) == (404, "NoSuchKey")


def test_append(report):
    append = report["append"]
    assert append["positions"] == ["4", "7"] and append["body"] == "one,two" and append["type"] == "Appendable"
    assert (append["stale"]["status"], append["stale"]["code"]) == (409, "PositionNotEqualToLength")
    assert append["notAppendable"]["code"] == "ObjectNotAppendable"


def test_multipart(report):
    multipart = report["multipart"]
    assert multipart["partEtags"] == multipart["partMd5s"]
    assert multipart["listedSizes"] == [PART, PART, 777] and multipart["uploading"] == ["mp/manual"]
    digest = hashlib.md5(b"".join(bytes.fromhex(e) for e in multipart["partMd5s"])).hexdigest().upper()
    assert multipart["etag"].strip('"') == f"{digest}-3"
    assert multipart["same"] and multipart["managedSame"]
    assert (multipart["meta"], multipart["type"]) == ("v", "Multipart")
    assert multipart["afterAbort"] == "NoSuchUpload"


def test_upload_part_copy_copies_the_ranges(report):
    copied = report["uploadPartCopy"]
    assert copied["partEtags"] == copied["partMd5s"]  # each part holds its range of the source
    assert copied["same"] and copied["size"] == 3 * PART + 5
    assert copied["managedSame"] and copied["managedSize"] == 3 * PART + 5 - 10


def test_delete_multiple(report):
    deleted = report["deleteMulti"]
    assert deleted == {"deleted": ["dm/1", "dm/2", "dm/missing"], "quiet": [], "left": []}


def test_presigned_urls_v1_and_v4(report):
    urls = report["presignedUrls"]
    assert urls["getV1"] == [200, "presigned read"] and urls["getV4"] == [200, "presigned read"]
    assert (urls["putV1"], urls["putV4"]) == (200, 200)
    assert urls["read1"] == ["by url v1", "text/plain"] and urls["read4"] == "by url v4"
    assert urls["wrongMethod"] == 403
    assert urls["fresh"] == [200, 200]
    assert urls["expired"] == [[403, True], [403, True]]


def test_utf8_metadata(report):
    assert report["utf8Metadata"] == {"v1": "测试 ü", "v4": "测试 ü"}


def test_storage_class(report):
    storage = report["storageClass"]
    assert storage["heads"] == {"IA": "IA", "Archive": "Archive", "ColdArchive": "ColdArchive"}
    assert storage["listed"] == [["sc/Archive", "Archive"], ["sc/ColdArchive", "ColdArchive"], ["sc/IA", "IA"]]
    assert (storage["archived"]["status"], storage["archived"]["code"]) == (403, "InvalidObjectState")
    assert storage["iaBody"] == "IA" and storage["multipart"] == "IA"
    assert storage["invalid"]["code"] == "InvalidArgument"


def test_object_acl(report):
    acl = report["objectAcl"]
    assert (acl["initial"], acl["changed"]) == ("default", "private")
    assert acl["publicRead"]["code"] == "NotImplemented" and "not supported by localcloud" in acl["publicRead"]["message"]


def test_tagging(report):
    tags = report["tagging"]
    assert tags["initial"] == {"a": "1", "b": "x y"}
    assert tags["replaced"] == {"c": "3"} and tags["cleared"] == {}
    for refused in (tags["invalid"], tags["tooMany"]):
        assert (refused["status"], refused["code"]) == (400, "InvalidArgument")
    assert tags["uploads"] == 0


def test_buckets(report):
    buckets = report["buckets"]
    assert (buckets["location"], buckets["storageClass"]) == ("oss-cn-hangzhou", "Standard")
    assert buckets["name"] in buckets["listed"] and buckets["gone"] == "NoSuchBucket"
    assert report["cleanup"] > 0
