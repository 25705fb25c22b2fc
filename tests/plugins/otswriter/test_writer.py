"""OSSReader -> OTSWriter against the local servers, run in-process through jobrun (plan, splits,
commit): dirty records on both sides, preconditions, retries, the manifest's checks, the
script-mode job and the DAGs importing cleanly."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

from devstack.connections import DirectConnections
from localcloud import admin
from tablestore_channels import jobrun
from tablestore_channels.authoring.job_files import load_job_dags
from tablestore_channels.errors import ErrorLimitExceeded, PreconditionError
from tablestore_channels.job import JobSpec
from tests.support.airflow_runs import EXAMPLE_DAGS
from tests.support.exports import create_table, oss_bucket, ots_client, table_rows

ROOT = Path(__file__).resolve().parents[3]
PK = [{"name": "id", "type": "int"}]
COLUMNS = [{"name": "name", "type": "string"}, {"name": "score", "type": "double"}, {"name": "data", "type": "binary"}]


@pytest.fixture(scope="module")
def endpoints(localcloud):
    return localcloud.endpoints


def _run(endpoints: dict, reader: dict, writer: dict, error_limit: int = 0, concurrent: int = 1) -> dict:
    job = JobSpec.from_dict({"type": "job", "configuration": {
        "setting": {"errorLimit": {"record": error_limit}, "speed": {"concurrent": concurrent}},
        "reader": {"plugin": "oss", "parameter": reader},
        "writer": {"plugin": "ots", "parameter": {"primaryKey": PK, "column": COLUMNS, "createTableIfMissing": True,
                                                   "retryPauseInMillisecond": 1, **writer}}}})
    conns, run = DirectConnections(endpoints), jobrun.RunInfo("restore_test", {})
    splits = jobrun.plan(job, conns, run)
    results = [jobrun.run_split(job, conns, run, split) for split in splits]
    return jobrun.commit(job, conns, run, results, splits[0]["writer"])


def _put(endpoints: dict, key: str, data: bytes) -> None:
    oss_bucket(endpoints).put_object(key, data)


def _values(endpoints: dict, table: str) -> dict[int, dict]:
    return {dict(r.primary_key)["id"]: {n: v for n, v, _ in r.attribute_columns}
            for r in table_rows(ots_client(endpoints), table)}


def test_bad_lines_and_values_are_dirty_and_the_rest_is_restored(endpoints):
    _put(endpoints, "dirty/a.csv", b'1,one,1.5,AAE=\n2,two,not-a-number,AAE=\n3,"three\n')
    _put(endpoints, "dirty/b.csv.gz", gzip.compress(b"4,four,4.25,\n5,five,-0.0,%%%\n6,,null,null\n"))
    summary = _run(endpoints, {"object": "dirty/"}, {"table": "dirty_target"}, error_limit=3, concurrent=2)
    assert (summary["rows"], summary["dirty"], summary["read"]) == (3, 3, 6)
    assert _values(endpoints, "dirty_target") == {
        1: {"name": "one", "score": 1.5, "data": bytearray(b"\x00\x01")},
        4: {"name": "four", "score": 4.25, "data": bytearray()},
        6: {"name": ""},
    }
    with pytest.raises(ErrorLimitExceeded, match="more than errorLimit.record=2"):
        _run(endpoints, {"object": "dirty/"}, {"table": "dirty_target"}, error_limit=2)


def test_reader_columns_pick_convert_and_add_constants(endpoints):
    _put(endpoints, "columns/x.txt", b"ignored|7|AAE=|x\nignored|8||y\n")
    reader = {"object": ["columns/x.txt"], "fileFormat": "text", "fieldDelimiter": "|", "column": [
        {"index": 1, "type": "long"}, {"index": 3, "type": "string"}, {"type": "double", "value": "0.5"},
        {"index": 2, "type": "bytes"}]}
    _run(endpoints, reader, {"table": "columns_target"})
    assert _values(endpoints, "columns_target") == {
        7: {"name": "x", "score": 0.5, "data": bytearray(b"\x00\x01")},
        8: {"name": "y", "score": 0.5, "data": bytearray()}}


def test_rows_the_table_refuses_are_dirty_not_dropped(endpoints):
    big = "x" * (2 * 1024 * 1024 + 1)  # more than an attribute value may hold
    _put(endpoints, "refused/a.csv", f"1,ok,1.0,\n2,{big},2.0,\n3,ok,3.0,\n".encode())
    summary = _run(endpoints, {"object": "refused/"}, {"table": "refused_target"}, error_limit=1)
    assert (summary["rows"], summary["dirty"]) == (2, 1)
    assert sorted(_values(endpoints, "refused_target")) == [1, 3]


def test_busy_server_is_retried_without_losing_or_doubling_rows(endpoints):
    lines = "".join(f"{i},n{i},{i}.5,\n" for i in range(450))
    _put(endpoints, "busy/a.csv", lines.encode())
    server = endpoints["tablestore"]["endpoint"]
    admin.inject_fault(server, kind="error", op="BatchWriteRow", code="OTSServerBusy", count=3)
    try:
        summary = _run(endpoints, {"object": "busy/"}, {"table": "busy_target", "batchWriteCount": 200})
        assert [r["fired"] for r in admin.faults(server)] == [3]
    finally:
        admin.clear_faults(server)
    assert summary["rows"] == 450 and summary["dirty"] == 0
    assert len(_values(endpoints, "busy_target")) == 450


def test_table_checks_before_anything_is_written(endpoints):
    _put(endpoints, "checks/a.csv", b"1,a,1.0,\n")
    create_table(ots_client(endpoints), "checks_target", [("id", "STRING")], [])
    with pytest.raises(PreconditionError, match="primary-key column 1 of table 'checks_target' is 'id' STRING"):
        _run(endpoints, {"object": "checks/"}, {"table": "checks_target"})
    with pytest.raises(PreconditionError, match="does not exist.*createTableIfMissing"):
        _run(endpoints, {"object": "checks/"}, {"table": "no_such_table", "createTableIfMissing": False})
    with pytest.raises(PreconditionError, match="no objects to read"):
        _run(endpoints, {"object": "nothing-here/"}, {"table": "checks_target"})
    with pytest.raises(PreconditionError, match="no manifest at .*the export did not complete"):
        _run(endpoints, {"manifest": "checks/missing_manifest.json"}, {"table": "checks_target"})


def test_manifest_lists_exactly_what_is_read_and_its_checksums_hold(endpoints):
    data = b"1,a,1.0,\n"
    _put(endpoints, "manifested/r_00000_00000.csv", data)
    _put(endpoints, "manifested/r_00001_00000.csv", b"2,stray,2.0,\n")  # not in the manifest: never read
    _put(endpoints, "manifested/r_00000_dirty.jsonl", b"{}\n")
    manifest = {"manifest_version": 1, "format": {"fileFormat": "csv", "fieldDelimiter": ",", "nullFormat": "null",
                                                  "encoding": "UTF-8", "compress": "none", "header": False},
                "objects": [{"key": "manifested/r_00000_00000.csv", "bytes": len(data),
                             "sha256": hashlib.sha256(data).hexdigest(), "rows": 1}]}
    _put(endpoints, "manifested/r_manifest.json", json.dumps(manifest).encode())
    _run(endpoints, {"manifest": "manifested/r_manifest.json"}, {"table": "manifest_target"})
    assert sorted(_values(endpoints, "manifest_target")) == [1]
    # by prefix, the export's own manifest and dirty objects are skipped, the stray object is read
    _run(endpoints, {"object": "manifested/"}, {"table": "manifest_target"})
    assert sorted(_values(endpoints, "manifest_target")) == [1, 2]
    _put(endpoints, "manifested/r_00000_00000.csv", b"1,b,1.0,\n")  # changed after the export
    with pytest.raises(PreconditionError, match="does not match the SHA-256 in the manifest"):
        _run(endpoints, {"manifest": "manifested/r_manifest.json"}, {"table": "manifest_target"})


def test_update_row_keeps_columns_the_record_leaves_null(endpoints):
    client = ots_client(endpoints)
    create_table(client, "update_target", [("id", "INTEGER")],
                 [([("id", 1)], [("name", "old"), ("score", 9.0), ("extra", "kept")])])
    _put(endpoints, "update/a.csv", b"1,new,null,\n")  # score null; data empty (not null)
    _run(endpoints, {"object": "update/"}, {"table": "update_target", "writeMode": "updaterow"})
    assert _values(endpoints, "update_target") == {
        1: {"name": "new", "score": 9.0, "extra": "kept", "data": bytearray()}}


def test_the_restore_dag_and_the_script_mode_job_import_cleanly():
    bag = DagBag(dag_folder=str(EXAMPLE_DAGS / "tablestore_restore_oss.py"))
    assert not bag.import_errors and "tablestore_restore_oss" in bag.dags
    dags, errors = load_job_dags(ROOT / "include" / "jobs")
    assert "restore_iot_readings_oss" in dags and not any("restore_iot_readings_oss" in f for f in errors)
    params = dags["restore_iot_readings_oss"].params
    assert "date" not in params  # ${date} is a scheduling variable, rendered from the run


def test_a_batch_refused_as_a_whole_is_written_row_by_row(endpoints):
    """Tablestore refuses a request that writes one row twice; the writer then sends the rows one
    by one, in order, so the later line wins and nothing is lost."""
    _put(endpoints, "twice/a.csv", b"1,a,1.0,\n1,b,2.0,\n2,c,3.0,\n")
    summary = _run(endpoints, {"object": "twice/"}, {"table": "twice_target"})
    assert (summary["rows"], summary["dirty"]) == (3, 0)
    assert {k: v["name"] for k, v in _values(endpoints, "twice_target").items()} == {1: "b", 2: "c"}
