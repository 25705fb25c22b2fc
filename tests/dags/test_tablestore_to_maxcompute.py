"""Tablestore -> MaxCompute end to end through Airflow, results read back with pyodps: the DAG's
params, every column type, dirty records, multi-key ranges, a killed split, a failed commit and
reruns of the same run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from odps import ODPS

from localcloud import admin
from tests.support.airflow_runs import EXAMPLE_DAGS, run_dag
from tests.support.exports import (
    cloud_connections,
    create_table,
    next_run_date,
    ots_client,
    run_job,
    task_states,
)

pytestmark = pytest.mark.timeout(300)

DAG = EXAMPLE_DAGS / "tablestore_to_maxcompute.py"
SDK_ATTEMPTS = 5  # pyodps: the first try and options.retry_times (4) retries of a network failure

READINGS_PK = [("site", "STRING"), ("seq", "INTEGER")]
READINGS = [([("site", f"s{s}"), ("seq", q)],
             [("value", s * 1000 + q), ("label", f"reading {s}-{q} " + "x" * 400), ("ok", q % 2 == 0)])
            for s in range(4) for q in range(1500)]
TYPES_PK = [("id", "INTEGER")]
TYPES_COLUMNS = ("c_bigint BIGINT, c_int INT, c_smallint SMALLINT, c_tinyint TINYINT, c_double DOUBLE, "
                 "c_float FLOAT, c_boolean BOOLEAN, c_string STRING, c_varchar VARCHAR(6), c_char CHAR(3), "
                 "c_binary BINARY, c_datetime DATETIME, c_date DATE, c_decimal DECIMAL(10,2)")


def _typed_row(i: int, **changes) -> tuple[list, list]:
    values = {"c_bigint": 2**62 + i, "c_int": -(2**31), "c_smallint": 32767, "c_tinyint": -128, "c_double": i / 3,
              "c_float": 1.5, "c_boolean": i % 2 == 1, "c_string": f"héllo {i}", "c_varchar": "abcdef",
              "c_char": "xyz", "c_binary": bytearray(b"\x00\xff" + bytes([i])), "c_datetime": 1_700_000_000_123 + i,
              "c_date": "2024-02-29", "c_decimal": "12345678.90"}
    values.update(changes)
    return [("id", i)], [(k, v) for k, v in values.items() if v is not None]


TYPED = [_typed_row(i) for i in range(5)] + [
    _typed_row(5, c_string=""),                       # emptyAsNull: null
    _typed_row(6, c_decimal=-0.5, c_datetime="2024-01-31 12:00:00"),
    _typed_row(7, c_tinyint=300),                     # dirty: out of range
    _typed_row(8, c_varchar="seven!!"),               # dirty: longer than VARCHAR(6)
    _typed_row(9, c_decimal="1.005"),                 # dirty: would be rounded
    _typed_row(10, c_bigint=1.5),                     # dirty: a fraction into BIGINT
]
TYPED_NAMES = ["c_bigint", "c_int", "c_smallint", "c_tinyint", "c_double", "c_float", "c_boolean", "c_string",
               "c_varchar", "c_char", "c_binary", "c_datetime", "c_date", "c_decimal"]


@pytest.fixture(scope="module")
def cloud(localcloud):
    endpoints = localcloud.endpoints
    client = ots_client(endpoints)
    create_table(client, "mc_readings", READINGS_PK, READINGS)
    create_table(client, "mc_types", TYPES_PK, TYPED)
    with cloud_connections(endpoints):
        yield endpoints


@pytest.fixture(scope="module")
def odps(cloud) -> ODPS:
    mc = cloud["maxcompute"]
    client = ODPS(mc["access_key_id"], mc["access_key_secret"], mc["project"], endpoint=mc["endpoint"])
    client.execute_sql("CREATE TABLE mc_readings (site STRING, seq BIGINT, value BIGINT, label STRING, ok BOOLEAN, "
                       "note STRING) PARTITIONED BY (pt STRING, region STRING)")
    client.execute_sql("CREATE TABLE mc_flat (site STRING, seq BIGINT, value BIGINT, label STRING)")
    client.execute_sql(f"CREATE TABLE mc_types ({TYPES_COLUMNS})")
    return client


@contextmanager
def fault(endpoint: str, **rule) -> Iterator[None]:
    """A fault rule of the local MaxCompute for the block; checks that it fired."""
    admin.inject_fault(endpoint, **rule)
    try:
        yield
        fired = [r["fired"] for r in admin.faults(endpoint)]
        assert fired and fired[0] == rule.get("count", fired[0]) and fired[0] > 0, fired
    finally:
        admin.clear_faults(endpoint)


def rows_of(odps: ODPS, table: str, partition: str | None = None) -> list[dict]:
    with odps.get_table(table).open_reader(partition=partition, arrow=True) as reader:
        return [row for batch in reader for row in batch.to_pylist()]


def readings_job(writer: dict, *, reader: dict | None = None, setting: dict | None = None) -> dict:
    return {"type": "job", "version": "1.0", "configuration": {
        "setting": setting or {"speed": {"concurrent": 2}},
        "reader": {"plugin": "ots", "parameter": {"table": "mc_readings", "column": [
            {"name": "site"}, {"name": "seq"}, {"name": "value"}, {"name": "label"}], **(reader or {})}},
        "writer": {"plugin": "odps", "parameter": {"table": "mc_flat", "column": ["*"], "truncate": True, **writer}}}}


def expected_flat(rows=READINGS) -> list[tuple]:
    return sorted((pk[0][1], pk[1][1], attrs[0][1]) for pk, attrs in rows)


def flat(odps: ODPS) -> list[tuple]:
    return sorted((r["site"], r["seq"], r["value"]) for r in rows_of(odps, "mc_flat"))


def test_dag_params_load_a_partition_in_blocks_and_a_rerun_replaces_it(cloud, odps):
    when = next_run_date()
    conf = {"table": "mc_readings", "columns": ["site", "seq", "label", "value", "ok"],
            "odps_columns": ["site", "seq", "label", "value", "ok"],  # 'note' is not listed: null
            "partition": "pt=20310101/region=hz", "truncate": True, "block_size_mb": 1, "concurrent": 2,
            "maxcompute_conn_id": "maxcompute_default", "empty_as_null": True}
    for _ in range(2):  # the same run twice: the second replaces the partition, no duplicates
        dag_run = run_dag(DAG, "tablestore_to_maxcompute", run_conf=conf, logical_date=when, run_after=when)
        assert dag_run.state == "success", task_states(dag_run)
        loaded = rows_of(odps, "mc_readings", "pt=20310101,region=hz")
        assert sorted((r["site"], r["seq"], r["label"], r["value"], r["ok"]) for r in loaded) == sorted(
            (pk[0][1], pk[1][1], attrs[1][1], attrs[0][1], attrs[2][1]) for pk, attrs in READINGS)
        assert {r["note"] for r in loaded} == {None}
    summary = dag_run.get_task_instance("channel.commit").xcom_pull(task_ids="channel.commit")
    assert summary["rows"] == len(READINGS) and summary["blocks"] > 2  # ~1.1 MB per split in 1 MB blocks
    assert odps.get_table("mc_readings").exist_partition("pt=20310101,region=hz")


def test_every_column_type_with_dirty_records_and_empty_as_null(cloud, odps):
    reader = {"table": "mc_types", "column": [{"name": n} for n in TYPED_NAMES]}
    writer = {"table": "mc_types", "column": TYPED_NAMES, "truncate": True, "emptyAsNull": True,
              "consistencyCommit": False}
    job = readings_job(writer, reader=reader, setting={"errorLimit": {"record": 3}})
    failed = run_job(job)  # four dirty records, three allowed: nothing is committed
    assert failed.state == "failed"
    assert rows_of(odps, "mc_types") == []

    job["configuration"]["setting"]["errorLimit"]["record"] = 4
    assert run_job(job).state == "success"
    got = {r["c_bigint"] - 2**62: r for r in rows_of(odps, "mc_types")}
    assert sorted(got) == [0, 1, 2, 3, 4, 5, 6]
    first = got[1]
    assert first == {
        "c_bigint": 2**62 + 1, "c_int": -(2**31), "c_smallint": 32767, "c_tinyint": -128, "c_double": 1 / 3,
        "c_float": 1.5, "c_boolean": True, "c_string": "héllo 1", "c_varchar": "abcdef", "c_char": "xyz",
        "c_binary": b"\x00\xff\x01", "c_datetime": first["c_datetime"], "c_date": dt.date(2024, 2, 29),
        "c_decimal": Decimal("12345678.90")}
    assert first["c_datetime"].replace(tzinfo=dt.UTC).timestamp() == pytest.approx(1_700_000_000.124)
    assert got[5]["c_string"] is None
    assert got[6]["c_decimal"] == Decimal("-0.50") and got[6]["c_datetime"].strftime("%Y-%m-%d %H") == "2024-01-31 12"


def test_multi_key_range_appends_to_a_new_partition_and_a_rerun_is_refused(cloud, odps):
    odps.execute_sql("CREATE TABLE mc_append (site STRING, seq BIGINT, value BIGINT) PARTITIONED BY (pt STRING)")
    reader = {"range": {"begin": [{"type": "string", "value": "s1"}, {"type": "int", "value": 100}],
                        "end": [{"type": "string", "value": "s2"}, {"type": "int", "value": 50}]}}
    job = readings_job({"table": "mc_append", "column": ["site", "seq", "value"], "partition": "pt='a'",
                        "truncate": "false", "datasource": "maxcompute_default"},
                       reader={**reader, "column": [{"name": "site"}, {"name": "seq"}, {"name": "value"}]})
    when = next_run_date()
    assert run_job(job, when).state == "success"
    wanted = expected_flat([r for r in READINGS if ("s1", 100) <= (r[0][0][1], r[0][1][1]) < ("s2", 50)])
    assert sorted((r["site"], r["seq"], r["value"]) for r in rows_of(odps, "mc_append", "pt=a")) == wanted

    again = run_job(job, when)  # the same run again would append the same rows twice
    assert again.state == "failed" and task_states(again)["plan"] == ["failed"]
    assert len(rows_of(odps, "mc_append", "pt=a")) == len(wanted)

    assert run_job(job).state == "success"  # a new run appends
    assert len(rows_of(odps, "mc_append", "pt=a")) == 2 * len(wanted)


def test_a_split_killed_mid_upload_is_retried_without_duplicates(cloud, odps):
    job = readings_job({"blockSizeInMB": 1})
    # the second block fails for good (every SDK attempt): its split task fails after one block
    with fault(cloud["maxcompute"]["endpoint"], kind="reset", op="tunnel.upload_block", skip=1,
               count=SDK_ATTEMPTS):
        dag_run = run_job(job)
    assert dag_run.state == "success", task_states(dag_run)
    tries = {ti.map_index: ti.try_number for ti in dag_run.get_task_instances() if ti.task_id.endswith("transfer")}
    assert sorted(tries.values()) == [1, 2]
    assert flat(odps) == expected_flat()


def test_a_failed_commit_leaves_the_table_unchanged(cloud, odps):
    before = flat(odps)
    assert before == expected_flat()  # the whole table, loaded by the test above
    job = readings_job({}, reader={"range": {"begin": [{"type": "string", "value": "s3"}],
                                             "end": [{"type": "INF_MAX"}]}})
    with fault(cloud["maxcompute"]["endpoint"], kind="reset", op="tunnel.commit"):
        dag_run = run_job(job)  # every attempt of the commit task, with the SDK's retries, fails
    assert dag_run.state == "failed" and task_states(dag_run)["commit"] == ["failed"]
    assert flat(odps) == before  # not only the range of the failed run
