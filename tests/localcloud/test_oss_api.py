"""The local OSS server driven by oss2 (V1 and V4 signatures): objects, listings, multipart,
append, buckets, errors and faults. One server for the module."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid

import oss2
import oss2.utils
import pytest
import requests

from localcloud import admin

ODD_KEY = "a b/ü?x"


@pytest.fixture(scope="module")
def cloud(local_servers):
    return local_servers("oss").endpoints["oss"]


@pytest.fixture(scope="module")
def auth(cloud) -> oss2.Auth:
    return oss2.Auth(cloud["access_key_id"], cloud["access_key_secret"])


@pytest.fixture
def bucket(cloud, auth) -> oss2.Bucket:
    """A fresh, empty bucket per test, so listings are exact."""
    name = f"t-{uuid.uuid4().hex[:12]}"
    oss2.Bucket(auth, cloud["endpoint"], name).create_bucket()
    return oss2.Bucket(auth, cloud["endpoint"], name)


def _crc(data: bytes) -> int:
    crc = oss2.utils.Crc64(0)
    crc.update(data)
    return crc.crc


def _error(call, *args, **kwargs) -> oss2.exceptions.ServerError:
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- objects ---------------------------------------------------------------------------------------
def test_put_get_head_meta_delete(bucket: oss2.Bucket) -> None:
    data = os.urandom(300_000)
    put = bucket.put_object(ODD_KEY, data, headers={"Content-Type": "text/plain", "x-oss-meta-Owner": "me",
                                                    "Cache-Control": "no-cache"})
    assert put.etag == hashlib.md5(data).hexdigest().upper()
    assert put.crc == _crc(data) and put.request_id
    got = bucket.get_object(ODD_KEY)
    assert got.read() == data
    assert (got.content_type, got.headers["x-oss-meta-owner"], got.headers["Cache-Control"]) == (
        "text/plain", "me", "no-cache")
    assert got.object_type == "Normal" and got.server_crc == _crc(data)
    head = bucket.head_object(ODD_KEY)
    assert (head.content_length, head.etag, head.object_type) == (len(data), put.etag, "Normal")
    meta = bucket.get_object_meta(ODD_KEY)
    assert (meta.content_length, meta.etag) == (len(data), put.etag) and meta.last_modified > 0
    assert bucket.object_exists(ODD_KEY)
    bucket.delete_object(ODD_KEY)
    assert not bucket.object_exists(ODD_KEY)
    assert _error(bucket.get_object, ODD_KEY).code == "NoSuchKey"
    assert _error(bucket.head_object, ODD_KEY).code == "NoSuchKey"  # read from x-oss-err
    bucket.delete_object(ODD_KEY)  # deleting a missing key succeeds, as on OSS


def test_get_to_file_checks_crc(bucket: oss2.Bucket, tmp_path) -> None:
    data = os.urandom(2_000_000)
    bucket.put_object("file.bin", data)
    bucket.get_object_to_file("file.bin", str(tmp_path / "out"))  # oss2 compares the CRC here
    assert (tmp_path / "out").read_bytes() == data


def test_ranges(bucket: oss2.Bucket) -> None:
    data = bytes(range(256)) * 4
    bucket.put_object("r", data)
    ranged = bucket.get_object("r", byte_range=(10, 19))
    assert (ranged.status, ranged.read(), ranged.content_range) == (206, data[10:20], "bytes 10-19/1024")
    assert bucket.get_object("r", byte_range=(1000, None)).read() == data[1000:]
    assert bucket.get_object("r", byte_range=(None, 24)).read() == data[-24:]
    # out of range: the whole object, or with standard behaviour a clamped range / 416
    assert bucket.get_object("r", byte_range=(1000, 5000)).status == 200
    standard = {"x-oss-range-behavior": "standard"}
    assert bucket.get_object("r", byte_range=(1000, 5000), headers=standard).read() == data[1000:]
    error = _error(bucket.get_object, "r", byte_range=(2000, 3000), headers=standard)
    assert (error.status, error.code) == (416, "InvalidRange")


def test_conditional_get(bucket: oss2.Bucket) -> None:
    etag = bucket.put_object("c", b"x").etag
    assert _error(bucket.get_object, "c", headers={"If-Match": '"0000"'}).status == 412
    assert _error(bucket.get_object, "c", headers={"If-None-Match": f'"{etag}"'}).status == 304
    assert bucket.get_object("c", headers={"If-Match": f'"{etag}"'}).read() == b"x"


def test_copy_keeps_or_replaces_metadata(bucket: oss2.Bucket, cloud, auth) -> None:
    data = os.urandom(1000)
    source = bucket.put_object("src", data, headers={"x-oss-meta-a": "1", "Content-Type": "text/csv"})
    bucket.copy_object(bucket.bucket_name, "src", "same")
    copy = bucket.get_object("same")
    assert (copy.read(), copy.etag, copy.headers["x-oss-meta-a"], copy.content_type) == (
        data, source.etag, "1", "text/csv")
    other = oss2.Bucket(auth, cloud["endpoint"], cloud["bucket"])
    other.copy_object(bucket.bucket_name, "src", ODD_KEY, headers={
        "x-oss-metadata-directive": "REPLACE", "x-oss-meta-b": "2", "Content-Type": "text/plain"})
    replaced = other.head_object(ODD_KEY)
    assert "x-oss-meta-a" not in replaced.headers and replaced.headers["x-oss-meta-b"] == "2"
    bucket.put_object("src", b"changed")  # the copy does not share the source's fate
    assert other.get_object(ODD_KEY).read() == data
    other.delete_object(ODD_KEY)
    assert _error(bucket.copy_object, bucket.bucket_name, "missing", "x").code == "NoSuchKey"


def test_forbid_overwrite(bucket: oss2.Bucket) -> None:
    forbid = {"x-oss-forbid-overwrite": "true"}
    bucket.put_object("once", b"1", headers=forbid)
    error = _error(bucket.put_object, "once", b"2", headers=forbid)
    assert (error.status, error.code) == (409, "FileAlreadyExists")
    assert _error(bucket.copy_object, bucket.bucket_name, "once", "once", headers=forbid).code == "FileAlreadyExists"
    bucket.put_object("once", b"3")
    assert bucket.get_object("once").read() == b"3"


def test_append(bucket: oss2.Bucket) -> None:
    first = bucket.append_object("log", 0, b"abc", init_crc=0)  # init_crc: oss2 checks the CRC
    assert first.next_position == 3 and first.crc == _crc(b"abc")
    second = bucket.append_object("log", 3, b"defg", init_crc=first.crc)
    assert second.next_position == 7 and second.crc == _crc(b"abcdefg")
    head = bucket.head_object("log")
    assert (head.object_type, head.content_length) == ("Appendable", 7)
    error = _error(bucket.append_object, "log", 5, b"x")
    assert (error.status, error.code, error.headers["x-oss-next-append-position"]) == (
        409, "PositionNotEqualToLength", "7")
    bucket.put_object("normal", b"n")
    assert _error(bucket.append_object, "normal", 1, b"x").code == "ObjectNotAppendable"
    for position in range(7, 7 + 70):  # past the merge threshold of appended segments
        bucket.append_object("log", position, b"+")
    assert bucket.get_object("log").read() == b"abcdefg" + b"+" * 70
    assert bucket.get_object("log").server_crc == _crc(b"abcdefg" + b"+" * 70)


def test_batch_delete_verbose_and_quiet(bucket: oss2.Bucket) -> None:
    for key in ("d1", "d2", ODD_KEY):
        bucket.put_object(key, b"x")
    result = bucket.batch_delete_objects(["d1", ODD_KEY, "never-existed"])
    assert result.deleted_keys == ["d1", ODD_KEY, "never-existed"]
    assert [o.key for o in oss2.ObjectIterator(bucket)] == ["d2"]
    body = b"<Delete><Quiet>true</Quiet><Object><Key>d2</Key></Object></Delete>"
    quiet = bucket._Bucket__do_bucket("POST", params={"delete": ""}, data=body, headers={
        "Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()})
    assert b"<Deleted>" not in quiet.read() and not bucket.object_exists("d2")
    bad = _error(bucket._Bucket__do_bucket, "POST", params={"delete": ""}, data=body,
                 headers={"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="})
    assert (bad.status, bad.code) == (400, "InvalidDigest")


# --- listing ---------------------------------------------------------------------------------------
KEYS = ["a/1", "a/2", "a b/ü?x", "b", "c/d/e", "c/f", "z"]


@pytest.fixture
def listed(bucket: oss2.Bucket) -> oss2.Bucket:
    for key in KEYS:
        bucket.put_object(key, key.encode())
    return bucket


def test_list_v1_pages_with_marker(listed: oss2.Bucket) -> None:
    assert [o.key for o in oss2.ObjectIterator(listed, max_keys=2)] == sorted(KEYS)
    first = listed.list_objects(max_keys=3)
    assert first.is_truncated and first.next_marker == "a/2"  # " " sorts before "/"
    entry = first.object_list[1]
    assert (entry.key, entry.size, entry.type, entry.storage_class) == ("a/1", 3, "Normal", "Standard")
    assert entry.etag == hashlib.md5(b"a/1").hexdigest().upper() and entry.owner.id


def test_list_with_delimiter_and_prefix(listed: oss2.Bucket) -> None:
    page = listed.list_objects(delimiter="/")
    assert ([o.key for o in page.object_list], page.prefix_list) == (["b", "z"], ["a b/", "a/", "c/"])
    paged = list(oss2.ObjectIterator(listed, delimiter="/", max_keys=1))
    assert [o.key for o in paged] == ["a b/", "a/", "b", "c/", "z"]
    page = listed.list_objects_v2(prefix="c/", delimiter="/")
    assert ([o.key for o in page.object_list], page.prefix_list) == (["c/f"], ["c/d/"])


def test_list_v2_pages_with_token_and_start_after(listed: oss2.Bucket) -> None:
    assert [o.key for o in oss2.ObjectIteratorV2(listed, max_keys=2)] == sorted(KEYS)
    page = listed.list_objects_v2(start_after="b", max_keys=2)
    assert [o.key for o in page.object_list] == ["c/d/e", "c/f"] and page.is_truncated
    rest = listed.list_objects_v2(continuation_token=page.next_continuation_token)
    assert [o.key for o in rest.object_list] == ["z"] and not rest.is_truncated
    assert rest.object_list[0].owner is None
    assert listed.list_objects_v2(fetch_owner=True).object_list[0].owner is not None


def test_list_url_encoding_of_odd_keys(listed: oss2.Bucket) -> None:
    raw = listed._Bucket__do_bucket("GET", params={"prefix": "a b/", "encoding-type": "url"}).read()
    assert b"<EncodingType>url</EncodingType>" in raw and b"<Key>a%20b/%C3%BC%3Fx</Key>" in raw
    assert b"<Prefix>a%20b/</Prefix>" in raw and b"xmlns" not in raw
    assert [o.key for o in oss2.ObjectIteratorV2(listed, prefix="a b/")] == [ODD_KEY]


def test_list_max_keys_bounds(listed: oss2.Bucket) -> None:
    assert _error(listed.list_objects, max_keys=1001).code == "InvalidArgument"


# --- multipart -------------------------------------------------------------------------------------
PART = 100 * 1024


def test_multipart_complete(bucket: oss2.Bucket) -> None:
    chunks = [os.urandom(PART), os.urandom(PART + 5), os.urandom(77)]
    upload_id = bucket.init_multipart_upload(ODD_KEY, headers={"x-oss-meta-m": "v"}).upload_id
    parts = []
    for number, chunk in enumerate(chunks, 1):
        result = bucket.upload_part(ODD_KEY, upload_id, number, chunk)
        assert result.etag == hashlib.md5(chunk).hexdigest().upper() and result.crc == _crc(chunk)
        parts.append(oss2.models.PartInfo(number, result.etag, size=len(chunk), part_crc=result.crc))
    assert not bucket.object_exists(ODD_KEY)  # invisible before completion
    assert [p.part_number for p in bucket.list_parts(ODD_KEY, upload_id).parts] == [1, 2, 3]
    assert [u.upload_id for u in oss2.MultipartUploadIterator(bucket)] == [upload_id]
    done = bucket.complete_multipart_upload(ODD_KEY, upload_id, parts)  # oss2 checks the combined CRC
    digest = hashlib.md5(b"".join(hashlib.md5(c).digest() for c in chunks)).hexdigest().upper()
    assert done.etag == f"{digest}-3"
    got = bucket.get_object(ODD_KEY)
    assert got.read() == b"".join(chunks) and got.object_type == "Multipart"
    assert got.headers["x-oss-meta-m"] == "v"
    assert bucket.get_object(ODD_KEY, byte_range=(PART - 2, PART + 1)).read() == b"".join(chunks)[PART - 2:PART + 2]
    assert [o.type for o in bucket.list_objects().object_list] == ["Multipart"]
    assert list(oss2.MultipartUploadIterator(bucket)) == []
    assert _error(bucket.list_parts, ODD_KEY, upload_id).code == "NoSuchUpload"


def test_multipart_abort_and_part_checks(bucket: oss2.Bucket) -> None:
    upload_id = bucket.init_multipart_upload("m").upload_id
    one = bucket.upload_part("m", upload_id, 1, b"1" * PART)
    two = bucket.upload_part("m", upload_id, 2, b"2" * 10)
    info = [oss2.models.PartInfo(1, one.etag), oss2.models.PartInfo(2, two.etag)]
    assert _error(bucket.complete_multipart_upload, "m", upload_id,
                  [oss2.models.PartInfo(1, two.etag)]).code == "InvalidPart"
    assert _error(bucket.complete_multipart_upload, "m", upload_id,
                  [oss2.models.PartInfo(3, one.etag)]).code == "InvalidPart"
    body = (f'<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>"{two.etag}"</ETag></Part>'
            f'<Part><PartNumber>1</PartNumber><ETag>"{one.etag}"</ETag></Part></CompleteMultipartUpload>')
    error = _error(bucket._Bucket__do_object, "POST", "m", params={"uploadId": upload_id}, data=body)
    assert (error.status, error.code) == (400, "InvalidPartOrder")
    small = bucket.upload_part("m", upload_id, 1, b"s")  # re-uploading a part replaces it
    assert _error(bucket.complete_multipart_upload, "m", upload_id,
                  [oss2.models.PartInfo(1, small.etag), info[1]]).code == "EntityTooSmall"
    assert _error(bucket.upload_part, "m", upload_id, 10001, b"x").code == "InvalidArgument"
    bucket.abort_multipart_upload("m", upload_id)
    assert _error(bucket.upload_part, "m", upload_id, 1, b"x").code == "NoSuchUpload"
    assert _error(bucket.abort_multipart_upload, "m", upload_id).status == 404
    assert not bucket.object_exists("m")


def test_upload_part_copy_copies_the_ranges(bucket: oss2.Bucket) -> None:
    data = os.urandom(3 * PART + 11)
    bucket.put_object("source", data)
    upload_id = bucket.init_multipart_upload("assembled").upload_id
    ranges = [(0, PART), (PART + 1, 2 * PART + 1), (2 * PART + 2, None)]  # inclusive; None: to the end
    parts = []
    for number, (first, last) in enumerate(ranges, 1):
        copied = bucket.upload_part_copy(bucket.bucket_name, "source", (first, last), "assembled", upload_id, number)
        piece = data[first:None if last is None else last + 1]
        assert copied.etag == hashlib.md5(piece).hexdigest().upper()
        parts.append(oss2.models.PartInfo(number, copied.etag))
    assert [p.size for p in bucket.list_parts("assembled", upload_id).parts] == [PART + 1, PART + 1, PART + 9]
    bucket.complete_multipart_upload("assembled", upload_id, parts)
    assert bucket.get_object("assembled").read() == data
    whole = bucket.init_multipart_upload("whole").upload_id
    copied = bucket.upload_part_copy(bucket.bucket_name, "source", None, "whole", whole, 1)
    bucket.complete_multipart_upload("whole", whole, [oss2.models.PartInfo(1, copied.etag)])
    assert bucket.get_object("whole").read() == data
    assert _error(bucket.upload_part_copy, bucket.bucket_name, "missing", None, "whole", "nope", 1).code in (
        "NoSuchUpload", "NoSuchKey")


def test_storage_class_acl_and_tags_are_kept(bucket: oss2.Bucket) -> None:
    bucket.put_object("cold", b"c", headers={"x-oss-storage-class": "ColdArchive", "x-oss-tagging": "a=1&b=x%20y"})
    head = bucket.head_object("cold")
    assert (head.headers["x-oss-storage-class"], head.headers["x-oss-tagging-count"]) == ("ColdArchive", "2")
    assert [o.storage_class for o in bucket.list_objects().object_list] == ["ColdArchive"]
    error = _error(bucket.get_object, "cold")  # archived bytes need a restore, which localcloud does not do
    assert (error.status, error.code) == (403, "InvalidObjectState")
    assert bucket.get_object_tagging("cold").tag_set.tagging_rule == {"a": "1", "b": "x y"}
    bucket.put_object("ia", b"i", headers={"x-oss-storage-class": "IA"})
    copy = bucket.copy_object(bucket.bucket_name, "ia", "ia-copy", headers={"x-oss-storage-class": "Archive"})
    assert copy.status == 200 and bucket.head_object("ia-copy").headers["x-oss-storage-class"] == "Archive"
    assert bucket.get_object("ia").read() == b"i"
    assert _error(bucket.put_object, "bad", b"", headers={"x-oss-storage-class": "Glacier"}).code == "InvalidArgument"

    assert bucket.get_object_acl("ia").acl == "default"
    bucket.put_object_acl("ia", oss2.OBJECT_ACL_PRIVATE)
    assert bucket.get_object_acl("ia").acl == "private"
    error = _error(bucket.put_object_acl, "ia", oss2.OBJECT_ACL_PUBLIC_READ)
    assert error.code == "NotImplemented" and "not supported by localcloud" in error.message

    rule = oss2.models.TaggingRule()
    rule.add("k", "v")
    bucket.put_object_tagging("ia", oss2.models.Tagging(rule))
    assert bucket.get_object_tagging("ia").tag_set.tagging_rule == {"k": "v"}
    bucket.delete_object_tagging("ia")
    assert bucket.get_object_tagging("ia").tag_set.tagging_rule == {}
    for bad in ("aa=bb=cc", "k=" + "v" * 257, "&".join(f"k{i}=v" for i in range(11)), "k=v&k=w", "k=a%2Cb"):
        assert _error(bucket.init_multipart_upload, "tagged", headers={"x-oss-tagging": bad}).code == "InvalidArgument"
        assert _error(bucket.put_object, "tagged", b"", headers={"x-oss-tagging": bad}).code == "InvalidArgument"
    assert list(oss2.MultipartUploadIterator(bucket)) == []


# --- buckets ---------------------------------------------------------------------------------------
def test_buckets(cloud, auth, bucket: oss2.Bucket) -> None:
    service = oss2.Service(auth, cloud["endpoint"])
    names = [b.name for b in oss2.BucketIterator(service)]
    assert cloud["bucket"] in names and bucket.bucket_name in names
    info = bucket.get_bucket_info()
    assert (info.name, info.location, info.storage_class) == (bucket.bucket_name, "oss-cn-hangzhou", "Standard")
    assert bucket.get_bucket_location().location == "oss-cn-hangzhou"
    # Creating a bucket the account owns again succeeds and changes nothing (oss2's own suite).
    assert bucket.create_bucket(oss2.BUCKET_ACL_PRIVATE, oss2.models.BucketCreateConfig("Archive")).status == 200
    assert bucket.get_bucket_info().storage_class == "Standard"
    bucket.put_object("k", b"v")
    error = _error(bucket.delete_bucket)
    assert (error.status, error.code) == (409, "BucketNotEmpty")
    assert bucket.get_bucket_stat().object_count == 1
    bucket.delete_object("k")
    bucket.delete_bucket()
    assert _error(bucket.get_bucket_info).code == "NoSuchBucket"
    assert _error(bucket.put_object, "k", b"v").code == "NoSuchBucket"


# --- signatures ------------------------------------------------------------------------------------
def test_v4_signatures_of_oss2(cloud, bucket: oss2.Bucket) -> None:
    v4 = oss2.Bucket(oss2.AuthV4(cloud["access_key_id"], cloud["access_key_secret"]), cloud["endpoint"],
                     bucket.bucket_name, region=cloud["region"])
    v4.put_object(ODD_KEY, b"v4")
    assert v4.get_object(ODD_KEY).read() == b"v4"
    assert [o.key for o in oss2.ObjectIteratorV2(v4, prefix="a b/")] == [ODD_KEY]
    wrong_region = oss2.Bucket(oss2.AuthV4(cloud["access_key_id"], cloud["access_key_secret"]),
                               cloud["endpoint"], bucket.bucket_name, region="cn-beijing")
    assert _error(wrong_region.get_object, ODD_KEY).status in (400, 403)


def test_wrong_keys_are_refused(cloud, bucket: oss2.Bucket) -> None:
    wrong_secret = oss2.Bucket(oss2.Auth(cloud["access_key_id"], "not-the-secret"), cloud["endpoint"],
                               bucket.bucket_name)
    error = _error(wrong_secret.put_object, "k", b"v")
    assert (error.status, error.code) == (403, "SignatureDoesNotMatch")
    wrong_id = oss2.Bucket(oss2.Auth("LTAIunknown", cloud["access_key_secret"]), cloud["endpoint"],
                           bucket.bucket_name)
    assert _error(wrong_id.get_object, "k").code == "InvalidAccessKeyId"
    assert _error(wrong_id.head_object, "k").code == "InvalidAccessKeyId"
    anonymous = requests.get(f"{cloud['endpoint']}/{bucket.bucket_name}/k", timeout=10)
    assert anonymous.status_code == 403 and b"<Code>AccessDenied</Code>" in anonymous.content
    assert anonymous.headers["x-oss-request-id"]


# --- faults ----------------------------------------------------------------------------------------
def test_error_faults_answer_oss_errors(cloud, bucket: oss2.Bucket) -> None:
    endpoint = cloud["endpoint"]
    try:
        admin.inject_fault(endpoint, kind="error", op="GetObject", count=1)
        error = _error(bucket.get_object, "whatever")
        assert (error.status, error.code) == (500, "InternalError") and error.request_id
        admin.inject_fault(endpoint, kind="error", op="PutObject", code="ServiceUnavailable", count=1)
        assert _error(bucket.put_object, "k", os.urandom(50_000)).status == 503
        bucket.put_object("k", b"after")  # the connection survived the refused body
        admin.inject_fault(endpoint, kind="status", op="HeadObject", status=503, count=1)
        assert _error(bucket.head_object, "k").status == 503
    finally:
        admin.clear_faults(endpoint)


def test_oss2_iterators_retry_5xx(cloud, bucket: oss2.Bucket) -> None:
    bucket.put_object("k", b"v")
    try:
        admin.inject_fault(cloud["endpoint"], kind="status", op="ListObjects", status=500, count=1)
        assert [o.key for o in oss2.ObjectIterator(bucket)] == ["k"]
        assert admin.faults(cloud["endpoint"])[0]["fired"] == 1
    finally:
        admin.clear_faults(cloud["endpoint"])


# --- what oss2's own suite found (make sdk-suites) --------------------------------------------------
UNICODE_TAGS = "%20%2B%2F%20=%E4%B8%AD%E6%96%87&%E4%B8%AD%E6%96%87=test%2B%2B%2F"  # " +/ "="中文", "中文"="test++/"


def test_tags_of_any_script_on_put_copy_and_multipart(bucket: oss2.Bucket) -> None:
    expected = {" +/ ": "中文", "中文": "test++/"}
    bucket.put_object("put", b"x", headers={"x-oss-tagging": UNICODE_TAGS})
    assert bucket.get_object_tagging("put").tag_set.tagging_rule == expected
    bucket.copy_object(bucket.bucket_name, "put", "copy", headers={"x-oss-tagging-directive": "COPY"})
    assert bucket.get_object_tagging("copy").tag_set.tagging_rule == expected
    bucket.copy_object(bucket.bucket_name, "put", "replaced", headers={"x-oss-tagging-directive": "REPLACE",
                                                                       "x-oss-tagging": "k=v"})
    assert bucket.get_object_tagging("replaced").tag_set.tagging_rule == {"k": "v"}
    upload = bucket.init_multipart_upload("multi", headers={"x-oss-tagging": UNICODE_TAGS}).upload_id
    part = bucket.upload_part("multi", upload, 1, b"p")
    bucket.complete_multipart_upload("multi", upload, [oss2.models.PartInfo(1, part.etag)])
    assert bucket.get_object_tagging("multi").tag_set.tagging_rule == expected


def test_an_append_after_the_first_ignores_its_tags(bucket: oss2.Bucket) -> None:
    too_many = "&".join(f"k{i}=v" for i in range(15))
    first = bucket.append_object("log", 0, b"a")
    bucket.append_object("log", first.next_position, b"b", headers={"x-oss-tagging": too_many})
    assert bucket.get_object_tagging("log").tag_set.tagging_rule == {}
    assert _error(bucket.append_object, "other", 0, b"a", headers={"x-oss-tagging": too_many}).code == "InvalidArgument"


def test_a_text_object_is_sent_gzipped_and_chunked_when_accepted(bucket: oss2.Bucket) -> None:
    data = os.urandom(600).hex().encode()  # 1200 bytes
    bucket.put_object("page.txt", data)
    got = bucket.get_object("page.txt", headers={"Accept-Encoding": "gzip"})
    assert got.read() == data  # requests undoes the gzip; oss2 checks the CRC of the plain bytes
    assert (got.headers["Content-Encoding"], got.headers["Transfer-Encoding"]) == ("gzip", "chunked")
    assert got.content_length is None and "ETag" not in got.headers
    url = bucket.sign_url("GET", "page.txt", 60)
    raw = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True)
    assert raw.raw.read(decode_content=False)[:2] == b"\x1f\x8b"
    bucket.put_object("small.txt", data[:1023])  # under 1 KB
    bucket.put_object("page.bin", data)  # not a text type
    for name, headers in (("small.txt", {}), ("page.bin", {}), ("page.txt", {"Range": "bytes=0-1199"})):
        plain = bucket.get_object(name, headers={"Accept-Encoding": "gzip", **headers})
        assert "Content-Encoding" not in plain.headers and plain.read() in (data, data[:1023])


def test_batch_delete_of_keys_with_control_characters(bucket: oss2.Bucket) -> None:
    keys = ["中文!@#$%^&*()-=文件\x0c-2.txt", "<hello>"]
    for key in keys:
        bucket.put_object(key, b"x")
    assert sorted(bucket.batch_delete_objects(keys).deleted_keys) == sorted(keys)
    assert not any(bucket.object_exists(key) for key in keys)


def test_live_channels_list_empty_and_are_refused(bucket: oss2.Bucket) -> None:
    assert list(oss2.LiveChannelIterator(bucket)) == []
    target = oss2.models.LiveChannelInfoTarget(playlist_name="test.m3u8")
    error = _error(bucket.create_live_channel, "channel", oss2.models.LiveChannelInfo(target=target))
    assert (error.status, error.code) == (501, "NotImplemented") and "not supported by localcloud" in error.message
    bucket.put_object("image", b"x")
    error = _error(bucket.async_process_object, "image", "video/convert,f_mp4")
    assert (error.status, error.code) == (501, "NotImplemented")
