"""How requests reach the local OSS server beside path style, driven by oss2 and the v2 SDK:
virtual-host and cname addressing, presigned URLs (V1 and V4, with expiry) and UTF-8 metadata
signed as its wire bytes."""

from __future__ import annotations

import socket
import time
import uuid

import alibabacloud_oss_v2 as oss_v2
import oss2
import pytest
import requests

from localcloud.oss.control import bind_cname


@pytest.fixture(scope="module")
def cloud(local_servers):
    return local_servers("oss").endpoints["oss"]


@pytest.fixture
def loopback_names(monkeypatch):
    """Resolve ``*.localhost`` and ``*.test`` to 127.0.0.1, as RFC 6761 resolvers do (this
    machine's resolver does not): the clients keep the names in their Host headers."""
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith((".localhost", ".test")):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.fixture
def auth(cloud) -> oss2.Auth:
    return oss2.Auth(cloud["access_key_id"], cloud["access_key_secret"])


@pytest.fixture
def path_bucket(cloud, auth) -> oss2.Bucket:
    bucket = oss2.Bucket(auth, cloud["endpoint"], f"a-{uuid.uuid4().hex[:12]}")
    bucket.create_bucket()
    return bucket


def _port(cloud) -> str:
    return cloud["endpoint"].rsplit(":", 1)[1]


def test_virtual_host_style(cloud, auth, path_bucket, loopback_names) -> None:
    name = path_bucket.bucket_name
    hosted = oss2.Bucket(auth, f"http://{name}.localhost:{_port(cloud)}", name, is_cname=True)
    hosted.put_object("dir/v h.txt", b"virtual")
    assert path_bucket.get_object("dir/v h.txt").read() == b"virtual"
    assert [o.key for o in hosted.list_objects(prefix="dir/").object_list] == ["dir/v h.txt"]
    hosted.delete_object("dir/v h.txt")
    assert not path_bucket.object_exists("dir/v h.txt")


def test_virtual_host_of_a_region_domain_on_an_ip_connection(cloud, auth, path_bucket) -> None:
    # ali-oss given an IP endpoint connects there and names the bucket in Host as
    # <bucket>.oss-<region>.aliyuncs.com.
    name = path_bucket.bucket_name
    request = oss2.http.Request("PUT", f"{cloud['endpoint']}/k", data=b"ip", headers={
        "Host": f"{name}.oss-{cloud['region']}.aliyuncs.com"})
    auth._sign_request(request, name, "k")
    answer = requests.put(f"{cloud['endpoint']}/k", data=b"ip", headers=dict(request.headers), timeout=10)
    assert answer.status_code == 200, answer.text
    assert path_bucket.get_object("k").read() == b"ip"


def test_v2_sdk_virtual_host_default(cloud, path_bucket, loopback_names) -> None:
    config = oss_v2.config.load_default()
    config.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(
        cloud["access_key_id"], cloud["access_key_secret"])
    config.region = cloud["region"]
    config.endpoint = f"http://localhost:{_port(cloud)}"
    client = oss_v2.Client(config)
    client.put_object(oss_v2.PutObjectRequest(bucket=path_bucket.bucket_name, key="v2", body=b"hosted"))
    assert path_bucket.get_object("v2").read() == b"hosted"


def test_cname(cloud, auth, path_bucket, loopback_names) -> None:
    domain = f"files-{uuid.uuid4().hex[:6]}.example.test"
    bind_cname(cloud["endpoint"], domain, path_bucket.bucket_name)
    branded = oss2.Bucket(auth, f"http://{domain}:{_port(cloud)}", path_bucket.bucket_name, is_cname=True)
    branded.put_object("c", b"cname")
    assert path_bucket.get_object("c").read() == b"cname"
    assert branded.get_object("c").read() == b"cname"
    unbound = oss2.Bucket(auth, f"http://other.example.test:{_port(cloud)}", path_bucket.bucket_name, is_cname=True)
    with pytest.raises(oss2.exceptions.ServerError):  # an unbound name is path style: "/c" names a bucket
        unbound.get_object("c")


@pytest.mark.parametrize("signer", ["v1", "v4"])
def test_presigned_get_and_put(cloud, path_bucket, signer) -> None:
    if signer == "v4":
        bucket = oss2.Bucket(oss2.AuthV4(cloud["access_key_id"], cloud["access_key_secret"]), cloud["endpoint"],
                             path_bucket.bucket_name, region=cloud["region"])
    else:
        bucket = path_bucket
    put_url = bucket.sign_url("PUT", "signed/ü x", 60, headers={"Content-Type": "text/plain"})
    assert requests.put(put_url, data=b"presigned", headers={"Content-Type": "text/plain"}, timeout=10).ok
    got = requests.get(bucket.sign_url("GET", "signed/ü x", 60), timeout=10)
    assert (got.status_code, got.content, got.headers["Content-Type"]) == (200, b"presigned", "text/plain")
    tampered = requests.get(bucket.sign_url("GET", "signed/ü x", 60).replace("%C3%BC", "%C3%BD"), timeout=10)
    assert tampered.status_code == 403 and b"SignatureDoesNotMatch" in tampered.content
    # A URL signed for PUT does not read.
    assert requests.get(put_url, timeout=10).status_code == 403


def test_presigned_urls_expire(cloud, path_bucket) -> None:
    path_bucket.put_object("short", b"lived")
    v4 = oss2.Bucket(oss2.AuthV4(cloud["access_key_id"], cloud["access_key_secret"]), cloud["endpoint"],
                     path_bucket.bucket_name, region=cloud["region"])
    urls = [path_bucket.sign_url("GET", "short", 1), v4.sign_url("GET", "short", 1)]
    assert [requests.get(u, timeout=10).content for u in urls] == [b"lived", b"lived"]
    time.sleep(2.1)
    for url in urls:
        answer = requests.get(url, timeout=10)
        assert answer.status_code == 403 and b"Request has expired." in answer.content


def test_utf8_metadata_is_signed_as_its_bytes_and_returned_as_sent(path_bucket) -> None:
    value = "测试 ü".encode()
    path_bucket.put_object("meta", b"m", headers={"x-oss-meta-note": value})
    raw = path_bucket.head_object("meta").headers["x-oss-meta-note"]
    assert raw.encode("latin-1") == value  # requests reads headers as ISO-8859-1
