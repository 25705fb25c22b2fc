"""Full export of a table of a few MiB end to end through Airflow: automatic split with
ComputeSplitPointsBySize, object rotation, injected Tablestore and OSS faults absorbed by the
retries, and a split task that dies mid-export and completes on its Airflow retry. Every check
ends in: each row of the table exactly once."""

from __future__ import annotations

import collections
import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from localcloud import admin
from tablestore_channels.plugins.osswriter.upload import StreamedObject
from tablestore_channels.retrying import Retry, oss_retriable
from tests.support.exports import (  # bucket is a module fixture on `cloud`
    cloud_connections,
    create_table,
    delimited_rows,
    expected_lines,
    export,
    job,
    listing,
    only_manifest,
    ots_client,
    run_job,
    table_rows,
    task_states,
)

TABLE = "ft_big"
ROWS = 11_000  # three GetRange pages of at most 5000 rows
MB = 1024 * 1024
FAST_RETRY = {"retryPauseInMillisecond": 1}


def _rows() -> list:
    return [([("id", f"k{i:06d}")], [("n", i), ("payload", f"{i:06d}" + "x" * 380)]) for i in range(ROWS)]


@pytest.fixture(scope="module")
def cloud(localcloud):
    endpoints = localcloud.endpoints
    create_table(ots_client(endpoints), TABLE, [("id", "STRING")], _rows())
    with cloud_connections(endpoints):
        yield endpoints
    admin.clear_faults(endpoints["tablestore"]["endpoint"])
    admin.clear_faults(endpoints["oss"]["endpoint"])


@pytest.fixture(scope="module")
def expected(cloud):
    return expected_lines(table_rows(ots_client(cloud), TABLE), ["id", "n", "payload"])


@pytest.fixture
def fault(cloud):
    """Inject fault rules for one test; afterwards, returns how often each fired."""
    injected: list[str] = []

    def inject(service: str, **rule) -> None:
        endpoint = cloud[service]["endpoint"]
        admin.inject_fault(endpoint, **rule)
        injected.append(endpoint)

    yield inject
    for endpoint in set(injected):
        admin.clear_faults(endpoint)


def _fired(cloud, service: str) -> list[int]:
    return [rule["fired"] for rule in admin.faults(cloud[service]["endpoint"])]


def _reader(**extra) -> dict:
    return {"table": TABLE, "column": ["id", "n", "payload"], **FAST_RETRY, **extra}


def _each_row_once(lines: list, expected: list) -> None:
    assert len(lines) == ROWS
    assert collections.Counter(line[0] for line in lines) == collections.Counter(f"k{i:06d}" for i in range(ROWS))
    assert lines == expected


def test_auto_split_uses_real_partition_boundaries_and_rotates_objects(bucket, expected):
    manifest, lines = export(bucket, _reader(), "ft/auto-split/", {"speed": {"concurrent": "3"}}, maxFileSize=1)
    _each_row_once(lines, expected)  # splits are in key order, so the union is the table in order
    by_split = collections.defaultdict(list)
    for entry in manifest["objects"]:
        by_split[entry["split"]].append(entry)
    assert sorted(by_split) == [0, 1, 2]
    assert all(sum(o["rows"] for o in parts) > ROWS // 10 for parts in by_split.values())
    for parts in by_split.values():  # rotation at maxFileSize: every object but a split's last is full
        assert [o["part"] for o in parts] == list(range(len(parts)))
        assert all(MB <= o["bytes"] < MB + 500 for o in parts[:-1]) and parts[-1]["bytes"] <= MB + 500
    assert len(manifest["objects"]) > 3


@pytest.mark.parametrize("rule", [
    pytest.param({"kind": "error", "code": "OTSServerBusy", "count": 2, "skip": 1}, id="OTSServerBusy"),
    pytest.param({"kind": "status", "status": 503, "count": 2, "skip": 1}, id="http-503"),
    pytest.param({"kind": "reset", "count": 1, "skip": 2}, id="connection-reset"),
])
def test_tablestore_fault_mid_export_is_absorbed_by_the_reader_retries(cloud, bucket, expected, fault, rule, request):
    fault("tablestore", op="GetRange", **rule)
    prefix = f"ft/ots-{request.node.callspec.id}/"
    dag_run = run_job(job(_reader(), {"object": prefix, "writeMode": "truncate", "fileFormat": "csv"}))
    assert dag_run.state == "success", task_states(dag_run)
    assert _fired(cloud, "tablestore") == [rule["count"]]
    transfer = [ti for ti in dag_run.get_task_instances() if ti.task_id.endswith("transfer")]
    assert [ti.try_number for ti in transfer] == [1]  # absorbed inside the task, not by Airflow
    _each_row_once(delimited_rows(bucket, only_manifest(bucket, prefix)), expected)


@pytest.mark.parametrize("rule", [
    pytest.param({"op": "UploadPart", "kind": "status", "status": 503, "count": 2, "skip": 1}, id="part-http-503"),
    pytest.param({"op": "UploadPart", "kind": "reset", "count": 1, "skip": 2}, id="part-connection-reset"),
    pytest.param({"op": "CompleteMultipartUpload", "kind": "status", "status": 503, "count": 2, "skip": 1},
                 id="commit-http-503"),
])
def test_oss_fault_on_upload_is_absorbed_by_the_writer_retries(cloud, bucket, expected, fault, rule, request):
    """Objects go up as parts in the splits and are completed by the commit: faults of either."""
    fault("oss", **rule)
    prefix = f"ft/oss-{request.node.callspec.id}/"
    dag_run = run_job(job(_reader(), {"object": prefix, "writeMode": "truncate", "fileFormat": "csv",
                                      "maxFileSize": 1}))
    assert dag_run.state == "success", task_states(dag_run)
    assert _fired(cloud, "oss") == [rule["count"]]
    manifest = only_manifest(bucket, prefix)
    assert len(manifest["objects"]) >= 4
    _each_row_once(delimited_rows(bucket, manifest), expected)


def test_oss_fault_on_upload_part_is_absorbed(cloud, bucket, fault):
    fault("oss", op="UploadPart", kind="status", status=503, count=2, skip=1)
    data = bytes(range(256)) * 1400  # 350 KiB: three parts of 100 KiB and a last one
    with ThreadPoolExecutor(max_workers=2) as uploader:
        target = StreamedObject(bucket, "ft/multipart/object", Retry(oss_retriable, 5, 1), uploader,
                                part_size=100 * 1024)
        for start in range(0, len(data), 7000):
            target.write(data[start:start + 7000])
        target.close()
    assert _fired(cloud, "oss") == [2]
    assert bucket.get_object("ft/multipart/object").read() == data
    assert target.size == len(data) and target.sha256 == hashlib.sha256(data).hexdigest()


def test_split_task_dying_mid_export_completes_on_its_airflow_retry(cloud, bucket, expected, fault):
    """The reader's retry budget (maxRetryTime 1) cannot absorb two faults in a row on the second
    page: the split task fails after it has uploaded objects; Airflow retries it, the retry
    rewrites the same object names and the commit lists every row once."""
    fault("tablestore", op="GetRange", kind="error", code="OTSServerBusy", count=2, skip=1)
    prefix = "ft/killed/"
    dag_run = run_job(job(_reader(maxRetryTime=1), {"object": prefix, "writeMode": "truncate", "fileFormat": "csv",
                                                    "maxFileSize": 1}))
    assert dag_run.state == "success", task_states(dag_run)
    [transfer] = [ti for ti in dag_run.get_task_instances() if ti.task_id.endswith("transfer")]
    assert transfer.try_number == 2
    manifest = only_manifest(bucket, prefix)
    _each_row_once(delimited_rows(bucket, manifest), expected)
    assert sorted(listing(bucket, prefix)) == sorted([o["key"] for o in manifest["objects"]] + [
        f"{prefix}{manifest['run_key']}_manifest.json"])
