"""Full export end to end through Airflow: every OSSWriter parameter, the write modes with reruns
of the same run and after a killed run, the error limit, and bad input. Output read back with
oss2, compared with the table read through the Tablestore SDK."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import time

import oss2
import pendulum
import pyarrow.parquet as pq
import pytest
import tablestore

from tests.support.airflow_runs import dag_run_process, map_index_names, run_dag
from tests.support.exports import (  # client and bucket are module fixtures on `cloud`
    EXPORT_DAG,
    JOB_DAG,
    NAMES,
    cloud_connections,
    create_table,
    delimited_rows,
    expected_lines,
    export,
    job,
    listing,
    manifests,
    next_run_date,
    object_bytes,
    only_manifest,
    oss_bucket,
    ots_client,
    run_job,
    sample_rows,
    table_rows,
    task_states,
)

COLUMNS = ["id", "name", "n", "score", "flag", "blob"]
TEXT_COLUMNS = ["id", "n", "score", "flag", "blob"]  # no names: those hold what text cannot escape
READER = {"table": "wr_data", "column": COLUMNS}
DIRTY_READER = {"table": "wr_dirty", "column": ["id", "name"]}
LATE_ROWS, LATE_FROM = 70_000, 66_000  # more than a Parquet row group (65,536) before the late columns
BIG_READER = {"table": "wr_big", "column": ["id", "payload"]}  # 4,000 rows of 1 KiB


@pytest.fixture(scope="module")
def cloud(localcloud):
    endpoints = localcloud.endpoints
    client = ots_client(endpoints)
    create_table(client, "wr_data", [("id", "STRING")], sample_rows(20))
    # 3 of 20 names hold the text format's delimiter: dirty records there
    create_table(client, "wr_dirty", [("id", "STRING")],
                 [([("id", f"d{i:02d}")], [("name", "a,b" if i in (3, 9, 15) else f"name {i}")]) for i in range(20)])
    create_table(client, "wr_defined", [("device", "STRING"), ("ts", "INTEGER")],
                 [([("device", f"dev{i % 3}"), ("ts", 1000 + i)],
                   [("temperature", i / 4), ("raw", bytearray([i] * 3))] + ([("note", f"n{i}")] if i % 2 else []))
                  for i in range(12)],
                 defined_columns=[("temperature", "DOUBLE"), ("raw", "BINARY"), ("note", "STRING")])
    # columns added late in the table's life: `declared` a predefined INTEGER, `late` not declared
    create_table(client, "wr_late", [("id", "STRING")],
                 [([("id", f"r{i:06d}")], [("n", i)] + ([("declared", -i), ("late", i * 3)] if i >= LATE_FROM else []))
                  for i in range(LATE_ROWS)], defined_columns=[("n", "INTEGER"), ("declared", "INTEGER")])
    create_table(client, "wr_big", [("id", "STRING")],
                 [([("id", f"b{i:05d}")], [("payload", f"{i:05d}" + "x" * 1019)]) for i in range(4000)])
    with cloud_connections(endpoints):
        yield endpoints


@pytest.fixture(scope="module")
def expected(client):
    return expected_lines(table_rows(client, "wr_data"), COLUMNS)


def _failed(dag_run, capfd, *phrases: str, task: str = "plan") -> None:
    """The run failed in ``task``, whose error names the problem with every phrase."""
    assert dag_run.state == "failed"
    assert task_states(dag_run)[task] == ["failed"] or "failed" in task_states(dag_run)[task]
    output = "".join(capfd.readouterr())
    for phrase in phrases:
        assert phrase in output, phrase


# --- the DAG of the repository, parameters and defaults --------------------------------------------

def test_full_export_dag_exports_primary_key_and_predefined_columns(bucket, client):
    when = next_run_date()
    dag_run = run_dag(EXPORT_DAG, "tablestore_full_export_oss", logical_date=when, run_after=when,
                      run_conf={"table": "wr_defined", "concurrent": 1})
    assert dag_run.state == "success", task_states(dag_run)
    prefix = f"tablestore/wr_defined/{when:%Y%m%d/%H%M%S}/"  # the default object prefix: the run's
    manifest = only_manifest(bucket, prefix)
    columns = ["device", "ts", "temperature", "raw", "note"]
    assert manifest["format"]["columns"] == columns and manifest["bucket"] == bucket.bucket_name
    assert all(o["key"].endswith(".csv") for o in manifest["objects"])
    assert delimited_rows(bucket, manifest) == expected_lines(table_rows(client, "wr_defined"), columns)
    # the UI names the mapped transfer by its key range
    assert map_index_names(dag_run, "channel.transfer") == ["1/1 [MIN, MIN .. MAX, MAX)"]


def test_two_exports_of_one_day_get_a_prefix_each_and_both_restore(bucket, client):
    """The default prefix is the run's (day and time): a second export that day, truncate and all,
    leaves the first whole, so either can be restored (keep the last two for a point-in-time restore)."""
    create_table(client, "wr_twice", [("id", "STRING")], [([("id", f"t{i}")], [("n", i)]) for i in range(6)])
    first = next_run_date()
    second = first.add(minutes=30)  # the same day (run dates are whole hours)
    snapshots = []
    for when in (first, second):
        dag_run = run_dag(EXPORT_DAG, "tablestore_full_export_oss", logical_date=when, run_after=when,
                          run_conf={"table": "wr_twice", "columns": ["id", "n"], "concurrent": 1})
        assert dag_run.state == "success", task_states(dag_run)
        snapshots.append(table_rows(client, "wr_twice"))
        client.put_row("wr_twice", tablestore.Row([("id", "t0")], [("n", 100 + len(snapshots))]))
    day = f"tablestore/wr_twice/{first:%Y%m%d}/"
    found = sorted(manifests(bucket, day), key=lambda m: m["run_key"])
    assert [m["prefix"] for m in found] == [f"{day}{when:%H%M%S}/" for when in (first, second)]
    for i, (manifest, rows) in enumerate(zip(found, snapshots, strict=True)):
        target = f"wr_twice_restored_{i}"
        restore = {"type": "job", "configuration": {
            "reader": {"plugin": "oss", "parameter": {"manifest": f"{manifest['prefix']}{manifest['run_key']}_manifest.json"}},
            "writer": {"plugin": "ots", "parameter": {
                "table": target, "createTableIfMissing": True, "primaryKey": [{"name": "id", "type": "string"}],
                "column": [{"name": "n", "type": "int"}]}}}}
        dag_run = run_job(restore)
        assert dag_run.state == "success", task_states(dag_run)
        assert [(r.primary_key, [c[:2] for c in r.attribute_columns]) for r in table_rows(client, target)] == \
            [(r.primary_key, [c[:2] for c in r.attribute_columns]) for r in rows]


def test_full_export_dag_params_reach_the_writer(bucket, client):
    when = next_run_date()
    dag_run = run_dag(EXPORT_DAG, "tablestore_full_export_oss", logical_date=when, run_after=when, run_conf={
        "table": "wr_data", "columns": TEXT_COLUMNS, "object": "wr/dag-params/", "file_format": "text",
        "field_delimiter": "|", "null_format": "\\N", "suffix": ".txt", "compress": "gzip", "concurrent": 1})
    assert dag_run.state == "success", task_states(dag_run)
    manifest = only_manifest(bucket, "wr/dag-params/")
    assert [o["key"].endswith(".txt.gz") for o in manifest["objects"]] == [True]
    text = gzip.decompress(object_bytes(bucket, manifest["objects"][0])).decode()
    rows = table_rows(client, "wr_data")
    assert text == "".join("|".join(line) + "\n" for line in expected_lines(rows, TEXT_COLUMNS, null="\\N"))
    assert "\\N" in text


# --- formats --------------------------------------------------------------------------------------

def test_csv_quotes_as_rfc4180_renders_binary_as_base64_and_nulls_as_null_format(bucket, client):
    header = ["ID", "Name", "N", "Score", "Flag", "Blob"]
    manifest, lines = export(bucket, READER, "wr/csv/", fieldDelimiter=";", nullFormat="\\N", header=header,
                             suffix=".csv")
    assert lines == expected_lines(table_rows(client, "wr_data"), COLUMNS, null="\\N")
    data = object_bytes(bucket, manifest["objects"][0]).decode()
    assert data.startswith("ID;Name;N;Score;Flag;Blob\n")
    assert ';"with ""quote""";' in data and ';"multi\nline";' in data and ";with,comma;" in data  # never trimmed
    assert "\nid019;null;83;" in data and "\nid018;;76;" in data  # "null" and "" are strings when nullFormat is \N
    assert "id000;plain;-50;\\N;\\N;\\N\n" in data  # missing cells
    assert manifest["objects"][0]["key"].endswith(".csv") and manifest["format"]["header"] is True
    assert {line[1] for line in lines} == set(NAMES)


def test_text_format_is_a_plain_join(bucket, client):
    manifest, _ = export(bucket, {"table": "wr_data", "column": TEXT_COLUMNS}, "wr/text/", fileFormat="text",
                         fieldDelimiter="\t")
    rows = table_rows(client, "wr_data")
    assert object_bytes(bucket, manifest["objects"][0]).decode() == "".join(
        "\t".join(line) + "\n" for line in expected_lines(rows, TEXT_COLUMNS))


def test_gbk_encoding(bucket, client):
    manifest, lines = export(bucket, {"table": "wr_data", "column": ["id", "name"]}, "wr/gbk/", encoding="GBK")
    data = object_bytes(bucket, manifest["objects"][0])
    assert "汉字".encode("gbk") in data and "汉字".encode() not in data
    assert lines == expected_lines(table_rows(client, "wr_data"), ["id", "name"])


def test_gzip_objects_are_byte_identical_on_rerun(bucket, expected):
    when = next_run_date()
    manifest, lines = export(bucket, READER, "wr/gzip/", run_date=when, compress="gzip", suffix=".csv")
    assert lines == expected and manifest["objects"][0]["key"].endswith(".csv.gz")
    before = listing(bucket, "wr/gzip/")
    export(bucket, READER, "wr/gzip/", run_date=when, compress="gzip", suffix=".csv")
    assert stable(listing(bucket, "wr/gzip/")) == stable(before)


def stable(objects: dict[str, bytes]) -> dict:
    """A listing with each manifest less when its run read (a rerun reads at another time)."""
    def without_read_period(content: bytes) -> bytes | dict:
        if not content.startswith(b"{"):
            return content
        return {k: v for k, v in json.loads(content).items()
                if not k.startswith(("read_started_at", "read_finished_at"))}
    return {key: without_read_period(content) for key, content in objects.items()}


def test_parquet_keeps_types(bucket, client):
    dag_run = run_job(job(READER, {"object": "wr/parquet/", "writeMode": "truncate", "fileFormat": "parquet"}))
    assert dag_run.state == "success", task_states(dag_run)
    manifest = only_manifest(bucket, "wr/parquet/")
    table = pq.read_table(io.BytesIO(object_bytes(bucket, manifest["objects"][0])))
    assert table.column_names == COLUMNS
    got = [tuple(r[c] for c in COLUMNS) for r in table.to_pylist()]
    wanted = []
    for row in table_rows(client, "wr_data"):
        values = {**dict(row.primary_key), **{n: v for n, v, *_ in row.attribute_columns}}
        wanted.append(tuple(bytes(values[c]) if isinstance(values.get(c), bytearray) else values.get(c)
                            for c in COLUMNS))
    assert got == wanted
    assert str(table.schema.field("blob").type) == "binary" and str(table.schema.field("n").type) == "int64"


def test_parquet_types_come_from_the_table_and_a_late_column_rolls_to_a_wider_object(bucket):
    """`declared` (predefined INTEGER) is int64 from the first row, though null until row 66,000;
    `late` (not declared) has no value in the first row group, so it is written as string until
    its first int, where the split goes on in a new object of the wider schema. No value is dirty."""
    columns = ["id", "n", "declared", "late"]
    dag_run = run_job(job({"table": "wr_late", "column": columns},
                          {"object": "wr/late/", "writeMode": "truncate", "fileFormat": "parquet", "suffix": ".parquet"}))
    assert dag_run.state == "success", task_states(dag_run)
    manifest = only_manifest(bucket, "wr/late/")
    assert manifest["totals"] == {**manifest["totals"], "rows": LATE_ROWS, "dirty": 0, "objects": 2}
    first, second = manifest["objects"]
    assert (first["rows"], second["rows"]) == (LATE_FROM, LATE_ROWS - LATE_FROM)
    assert first["schema"] == {"id": "string", "n": "int64", "declared": "int64", "late": "string"}
    assert second["schema"] == {"id": "string", "n": "int64", "declared": "int64", "late": "int64"}
    tables = [pq.read_table(io.BytesIO(object_bytes(bucket, entry))) for entry in (first, second)]
    assert [str(t.schema.field("declared").type) for t in tables] == ["int64", "int64"]
    assert [str(t.schema.field("late").type) for t in tables] == ["string", "int64"]
    rows = [row for t in tables for row in t.to_pylist()]
    assert rows == [{"id": f"r{i:06d}", "n": i, "declared": -i if i >= LATE_FROM else None,
                     "late": i * 3 if i >= LATE_FROM else None} for i in range(LATE_ROWS)]


def test_explicit_bucket_instead_of_the_connection_schema(bucket, cloud, expected):
    other = oss_bucket(cloud, "wr-other-bucket")
    other.create_bucket()
    manifest, lines = export(other, READER, "wr/explicit-bucket/", bucket="wr-other-bucket")
    assert lines == expected and manifest["bucket"] == "wr-other-bucket"
    assert listing(bucket, "wr/explicit-bucket/") == {}


# --- write modes and reruns of the same run ---------------------------------------------------------

def test_truncate_replaces_older_output_and_a_rerun_is_identical(bucket, expected):
    first, _ = export(bucket, READER, "wr/truncate/")
    when = next_run_date()
    second, lines = export(bucket, READER, "wr/truncate/", run_date=when)
    assert lines == expected and second["run_key"] != first["run_key"]
    after = listing(bucket, "wr/truncate/")
    assert sorted(after) == sorted([o["key"] for o in second["objects"]] + [
        k for k in after if k.endswith("manifest.json")]) and len(after) == 2
    export(bucket, READER, "wr/truncate/", run_date=when)
    assert stable(listing(bucket, "wr/truncate/")) == stable(after)


def test_append_keeps_older_output_and_a_rerun_adds_no_duplicates(bucket, expected):
    export(bucket, READER, "wr/append/", writeMode="append")
    when = next_run_date()
    export(bucket, READER, "wr/append/", run_date=when, writeMode="append")
    after = listing(bucket, "wr/append/")
    found = manifests(bucket, "wr/append/")
    assert len(found) == 2 and len(after) == 4
    assert all(delimited_rows(bucket, m) == expected for m in found)
    export(bucket, READER, "wr/append/", run_date=when, writeMode="append")
    assert stable(listing(bucket, "wr/append/")) == stable(after)


def test_non_conflict_refuses_objects_of_another_run_but_reruns_its_own(bucket, expected, capfd):
    when = next_run_date()
    _, lines = export(bucket, READER, "wr/nonconflict/", run_date=when, writeMode="nonConflict")
    assert lines == expected
    after = listing(bucket, "wr/nonconflict/")
    export(bucket, READER, "wr/nonconflict/", run_date=when, writeMode="nonConflict")
    assert stable(listing(bucket, "wr/nonconflict/")) == stable(after)
    capfd.readouterr()
    dag_run = run_job(job(READER, {"object": "wr/nonconflict/", "writeMode": "nonConflict"}))
    _failed(dag_run, capfd, "writeMode nonConflict", "already exist under", "wr/nonconflict/")
    assert stable(listing(bucket, "wr/nonconflict/")) == stable(after)


def _visible_output(bucket, prefix: str) -> list[str]:
    """What a reader of the prefix sees: every object but manifests and dirty records."""
    return sorted(k for k in listing(bucket, prefix) if not k.endswith(("_manifest.json", "_dirty.jsonl")))


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("mode", ["append", "nonConflict"])
def test_a_killed_run_leaves_nothing_visible_when_its_date_runs_again(bucket, client, mode, tmp_path):
    """The export is killed (SIGKILL, tasks and all) after its split has finished an object;
    the same logical date then runs again as a new DagRun (a new run id): readers of the prefix
    see exactly the rows of the table, and only objects a manifest lists."""
    prefix = f"wr/killed-{mode}/"
    export_job = job(BIG_READER, {"object": prefix, "writeMode": mode, "fileFormat": "csv", "maxFileSize": 1},
                     {"speed": {"mbps": 1, "concurrent": 1}})  # ~4 s of transfer, an object a second
    when = next_run_date()
    killed = dag_run_process(JOB_DAG, "channel_job", tmp_path / "killed.log", run_conf={"job": export_job},
                             logical_date=when, run_after=when)
    try:
        deadline = time.monotonic() + 180
        while not (_visible_output(bucket, prefix) or list(oss2.MultipartUploadIterator(bucket, prefix=prefix))):
            assert killed.poll() is None, (tmp_path / "killed.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the transfer did not start"
            time.sleep(0.1)
    finally:
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
    assert manifests(bucket, prefix) == []  # killed mid-transfer, before its commit
    assert _visible_output(bucket, prefix) == []

    rerun = run_dag(JOB_DAG, "channel_job", run_conf={"job": export_job}, logical_date=when,
                    run_after=pendulum.now("UTC"))
    assert rerun.state == "success", task_states(rerun)
    [manifest] = manifests(bucket, prefix)
    assert _visible_output(bucket, prefix) == [o["key"] for o in manifest["objects"]]
    assert len(manifest["objects"]) > 2
    assert delimited_rows(bucket, manifest) == expected_lines(table_rows(client, "wr_big"), ["id", "payload"])


# --- error limit ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dirty_prefix(bucket):
    """A complete earlier export under the prefix the dirty runs write to."""
    export(bucket, DIRTY_READER, "wr/dirty/")
    return "wr/dirty/"


def _dirty_run(prefix: str, error_limit: dict):
    return run_job(job(DIRTY_READER, {"object": prefix, "writeMode": "truncate", "fileFormat": "text"},
                       {"errorLimit": error_limit}))


@pytest.mark.parametrize("limit", [{"record": 0}, {"record": "2"}, {}], ids=["record-0", "record-2", "default"])
def test_dirty_records_over_the_record_limit_fail_the_split_and_are_kept(bucket, dirty_prefix, capfd, limit):
    before = listing(bucket, dirty_prefix)
    capfd.readouterr()
    dag_run = _dirty_run(dirty_prefix, limit)
    [dirty_key] = set(listing(bucket, dirty_prefix)) - set(before)
    _failed(dag_run, capfd, "dirty record", "errorLimit.record", "contains the field delimiter",
            f"Dirty records kept in: oss://{bucket.bucket_name}/{dirty_key}.", task="transfer")
    assert task_states(dag_run)["commit"] == ["upstream_failed"]
    after = listing(bucket, dirty_prefix)
    assert {k: v for k, v in after.items() if k in before} == before  # no manifest, nothing removed
    # the records up to the one past the limit, where the README says
    assert dirty_key.endswith("_00000_dirty.jsonl")
    kept = [json.loads(line)["record"] for line in after[dirty_key].decode().splitlines()]
    assert kept == [["d03", "a,b"], ["d09", "a,b"], ["d15", "a,b"]][:(int(limit.get("record", 0)) + 1)]


def test_dirty_records_within_the_limit_are_kept_beside_the_output(bucket, dirty_prefix):
    dag_run = _dirty_run(dirty_prefix, {"record": "3"})
    assert dag_run.state == "success", task_states(dag_run)
    manifest = only_manifest(bucket, dirty_prefix)
    assert manifest["totals"]["dirty"] == 3 and manifest["totals"]["rows"] == 17 and manifest["read"] == 20
    [dirty_key] = manifest["dirty_objects"]
    assert dirty_key.startswith(dirty_prefix + manifest["run_key"]) and dirty_key.endswith("_dirty.jsonl")
    entries = [json.loads(line) for line in bucket.get_object(dirty_key).read().decode().splitlines()]
    assert [e["record"] for e in entries] == [["d03", "a,b"], ["d09", "a,b"], ["d15", "a,b"]]
    assert all(e["column"] == "name" and "delimiter" in e["reason"] for e in entries)
    assert [line[0] for line in delimited_rows(bucket, manifest)] == [
        f"d{i:02d}" for i in range(20) if i not in (3, 9, 15)]


def test_dirty_percentage_is_checked_over_the_whole_run(bucket, dirty_prefix, capfd):
    ok = _dirty_run(dirty_prefix, {"percentage": 0.2})  # 3 of 20 = 0.15
    assert ok.state == "success", task_states(ok)
    before = listing(bucket, dirty_prefix)
    committed = only_manifest(bucket, dirty_prefix)
    capfd.readouterr()
    dag_run = _dirty_run(dirty_prefix, {"percentage": "0.1"})
    _failed(dag_run, capfd, "3 dirty record(s) out of 20 exceed errorLimit.percentage=0.1", task="commit")
    assert only_manifest(bucket, dirty_prefix) == committed
    after = listing(bucket, dirty_prefix)
    assert {k: v for k, v in after.items() if k in before} == before  # previous output untouched
    # the cleanup teardown removed the failed run's data objects; its dirty records stay
    assert task_states(dag_run)["cleanup"] == ["success"]
    left = set(after) - set(before)
    assert left and all(key.endswith("_dirty.jsonl") for key in left), left


# --- bad input: a clear error before anything is written ---------------------------------------------

@pytest.mark.parametrize(("reader", "writer", "phrases"), [
    pytest.param({"table": "wr_missing", "column": ["id"]}, {},
                 ["Tablestore table 'wr_missing' does not exist", "reader.parameter.table"], id="missing-table"),
    pytest.param(READER, {"bucket": "wr-no-such-bucket"},
                 ["OSS bucket 'wr-no-such-bucket' does not exist", "writer.parameter.bucket"], id="missing-bucket"),
    pytest.param({**READER, "range": {"begin": [{"type": "int", "value": 1}]}}, {},
                 ["range.begin[0] is INTEGER but primary-key column 'id' of table 'wr_data' is STRING"],
                 id="pk-type-mismatch"),
    pytest.param({**READER, "range": {"split": [{"type": "binary", "value": "AQ=="}]}}, {},
                 ["range.split[0] is BINARY but primary-key column 'id'"], id="split-type-mismatch"),
    pytest.param({"table": "wr_data", "column": ["id", "nonexistent"]}, {"header": ["just_one"]},
                 ["writer.parameter.header", "has 1 names but records have 2 columns"], id="header-width"),
])
def test_bad_input_fails_with_a_clear_message_and_writes_nothing(bucket, capfd, reader, writer, phrases, request):
    prefix = f"wr/bad-{request.node.callspec.id}/"
    capfd.readouterr()
    dag_run = run_job(job(reader, {"object": prefix, "writeMode": "truncate", **writer}))
    task = "transfer" if "header" in writer else "plan"
    _failed(dag_run, capfd, *phrases, task=task)
    assert listing(bucket, prefix) == {}
