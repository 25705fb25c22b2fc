"""What survives the local OSS server's restarts and crashes: everything answered is kept, and a
body cut off by a SIGKILL never shows up as a partial object or part."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import oss2
import pytest

from localcloud.process import LocalCloudProcess

MiB = 1 << 20


@pytest.fixture(scope="module")
def cloud(local_servers):
    return local_servers("oss")


def _bucket(cloud: LocalCloudProcess) -> oss2.Bucket:
    info = cloud.endpoints["oss"]
    return oss2.Bucket(oss2.Auth(info["access_key_id"], info["access_key_secret"]), info["endpoint"],
                       info["bucket"])


def test_everything_survives_a_restart(cloud: LocalCloudProcess) -> None:
    bucket = _bucket(cloud)
    bucket.put_object("kept/normal", b"n", headers={"x-oss-meta-k": "v"})
    bucket.append_object("kept/appendable", 0, b"ab")
    upload_id = bucket.init_multipart_upload("kept/pending").upload_id
    part = bucket.upload_part("kept/pending", upload_id, 1, b"p" * 200_000)
    done_id = bucket.init_multipart_upload("kept/multipart").upload_id
    done_part = bucket.upload_part("kept/multipart", done_id, 1, b"m" * 10)
    bucket.complete_multipart_upload("kept/multipart", done_id, [oss2.models.PartInfo(1, done_part.etag)])
    cloud.restart()
    bucket = _bucket(cloud)
    assert bucket.get_object("kept/normal").headers["x-oss-meta-k"] == "v"
    assert bucket.append_object("kept/appendable", 2, b"c").next_position == 3
    assert bucket.get_object("kept/multipart").read() == b"m" * 10
    assert [p.etag for p in bucket.list_parts("kept/pending", upload_id).parts] == [part.etag]
    assert [u.upload_id for u in oss2.MultipartUploadIterator(bucket)] == [upload_id]
    bucket.complete_multipart_upload("kept/pending", upload_id, [oss2.models.PartInfo(1, part.etag)])
    assert bucket.get_object("kept/pending").read() == b"p" * 200_000


def _stalling_body(sent: threading.Event, stop: threading.Event):
    """A chunked body that sends 8 MiB, then trickles until the server is gone."""
    for _ in range(8):
        yield b"x" * MiB
    sent.set()
    while not stop.is_set():
        time.sleep(0.05)
        yield b"y"


def _kill_mid_body(cloud: LocalCloudProcess, send) -> None:
    """Run ``send(body)`` in a thread and SIGKILL the server while the body is arriving."""
    sent, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=lambda: _swallow(send, _stalling_body(sent, stop)), daemon=True)
    thread.start()
    assert sent.wait(30)
    tmp = Path(cloud.data_dir) / "oss" / "tmp"
    deadline = time.monotonic() + 30
    while not any(p.stat().st_size >= 8 * MiB for p in tmp.glob("blob-*")):  # the body is on disk
        assert time.monotonic() < deadline, "the server never stored the streamed body"
        time.sleep(0.02)
    cloud.kill()
    stop.set()
    thread.join(30)
    cloud.start()
    assert list(tmp.iterdir()) == []  # the half-written file was removed at start


def _swallow(send, body) -> None:
    try:
        send(body)
    except Exception:  # the server died under the request: expected
        pass


def test_kill_during_put_leaves_no_partial_object(cloud: LocalCloudProcess) -> None:
    bucket = _bucket(cloud)
    bucket.put_object("crash/old", b"old version")
    _kill_mid_body(cloud, lambda body: bucket.put_object("crash/new", body))
    bucket = _bucket(cloud)
    assert not bucket.object_exists("crash/new")
    _kill_mid_body(cloud, lambda body: _bucket(cloud).put_object("crash/old", body))
    assert _bucket(cloud).get_object("crash/old").read() == b"old version"


def test_kill_during_upload_part_leaves_no_partial_part(cloud: LocalCloudProcess) -> None:
    bucket = _bucket(cloud)
    upload_id = bucket.init_multipart_upload("crash/mp").upload_id
    first = bucket.upload_part("crash/mp", upload_id, 1, b"1" * 200_000)
    _kill_mid_body(cloud, lambda body: bucket.upload_part("crash/mp", upload_id, 2, body))
    bucket = _bucket(cloud)
    assert [p.part_number for p in bucket.list_parts("crash/mp", upload_id).parts] == [1]
    assert not bucket.object_exists("crash/mp")
    bucket.complete_multipart_upload("crash/mp", upload_id, [oss2.models.PartInfo(1, first.etag)])
    assert bucket.get_object("crash/mp").read() == b"1" * 200_000
