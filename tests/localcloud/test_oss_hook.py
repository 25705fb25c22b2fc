"""The Airflow provider's OSSHook and OSSKeySensor (alibabacloud-oss-v2, V4 signatures) against
the local OSS server, including the v2 SDK's retry of a 5xx answer."""

from __future__ import annotations

import json
import os

import pytest
from airflow.providers.alibaba.cloud.hooks.oss import OSSHook
from airflow.providers.alibaba.cloud.sensors.oss_key import OSSKeySensor

from localcloud import admin


@pytest.fixture(scope="module")
def cloud(local_servers):
    return local_servers("oss").endpoints["oss"]


@pytest.fixture
def hook(cloud, monkeypatch) -> OSSHook:
    monkeypatch.setenv("AIRFLOW_CONN_OSS_LOCAL", json.dumps({"conn_type": "oss", "extra": {
        "auth_type": "AK", "access_key_id": cloud["access_key_id"],
        "access_key_secret": cloud["access_key_secret"], "region": cloud["region"],
        "endpoint": cloud["endpoint"]}}))
    return OSSHook(oss_conn_id="oss_local")


def test_strings_existence_and_deletes(hook: OSSHook, cloud) -> None:
    bucket = cloud["bucket"]
    hook.load_string("dir/a b ü.txt", "héllo", bucket_name=bucket)
    assert hook.read_key(bucket, "dir/a b ü.txt") == "héllo"
    assert hook.key_exist(bucket, "dir/a b ü.txt") and hook.object_exists("dir/a b ü.txt", bucket)
    assert hook.head_key(bucket, "dir/a b ü.txt").content_length == len("héllo".encode())
    assert not hook.key_exist(bucket, "dir/missing") and not hook.object_exists("dir/missing", bucket)
    hook.load_string(f"oss://{bucket}/dir/second", "2")  # bucket taken from the URL
    hook.delete_objects(["dir/a b ü.txt", "dir/second"], bucket_name=bucket)
    assert not hook.object_exists("dir/a b ü.txt", bucket) and not hook.object_exists("dir/second", bucket)
    hook.load_string("dir/third", "3", bucket_name=bucket)
    hook.delete_object("dir/third", bucket_name=bucket)
    assert not hook.key_exist(bucket, "dir/third")


def test_append_string(hook: OSSHook, cloud) -> None:
    bucket = cloud["bucket"]
    hook.append_string(bucket, "line 1\n", "logs/app.log", 0)
    hook.append_string(bucket, "line 2\n", "logs/app.log", len("line 1\n"))
    assert hook.read_key(bucket, "logs/app.log") == "line 1\nline 2\n"
    with pytest.raises(Exception, match="append"):
        hook.append_string(bucket, "stale", "logs/app.log", 0)


def test_upload_and_download_files(hook: OSSHook, cloud, tmp_path) -> None:
    bucket = cloud["bucket"]
    small, large = tmp_path / "small.txt", tmp_path / "large.bin"
    small.write_text("small")
    large.write_bytes(os.urandom(13 << 20))  # above the uploader's 6 MiB part size: multipart
    hook.upload_local_file("files/small.txt", str(small), bucket_name=bucket)
    hook.upload_local_file("files/large.bin", str(large), bucket_name=bucket)
    assert hook.head_key(bucket, "files/large.bin").etag.strip('"').endswith("-3")
    for name, source in (("small.txt", small), ("large.bin", large)):
        target = tmp_path / f"down-{name}"
        assert hook.download_file(f"files/{name}", str(target), bucket_name=bucket) == str(target)
        assert target.read_bytes() == source.read_bytes()


def test_buckets(hook: OSSHook) -> None:
    hook.create_bucket("hook-made")
    hook.load_string("k", "v", bucket_name="hook-made")
    with pytest.raises(Exception, match="deleting"):
        hook.delete_bucket("hook-made")  # not empty
    hook.delete_object("k", bucket_name="hook-made")
    hook.delete_bucket("hook-made")
    assert not hook.get_bucket("hook-made").is_bucket_exist("hook-made")


def test_v2_sdk_retries_a_503(hook: OSSHook, cloud) -> None:
    endpoint = cloud["endpoint"]
    try:
        admin.inject_fault(endpoint, kind="status", op="PutObject", status=503, count=1)
        hook.load_string("retried", "ok", bucket_name=cloud["bucket"])
        assert admin.faults(endpoint)[0]["fired"] == 1
        assert hook.read_key(cloud["bucket"], "retried") == "ok"
    finally:
        admin.clear_faults(endpoint)


def test_key_sensor(hook: OSSHook, cloud) -> None:
    sensor = OSSKeySensor(task_id="wait", bucket_key=f"oss://{cloud['bucket']}/arrives/later",
                          region=cloud["region"], oss_conn_id="oss_local")
    assert sensor.poke({}) is False
    hook.load_string("arrives/later", "here", bucket_name=cloud["bucket"])
    assert sensor.poke({}) is True
