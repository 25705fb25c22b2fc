"""The local MaxCompute through the real clients: pyodps and the Airflow provider's hook/operator."""

from __future__ import annotations

import datetime as dt
import io
import json
import types
from decimal import Decimal

import pyarrow as pa
import pytest
from odps import ODPS, errors
from odps.models import Record
from odps.tunnel import TableTunnel
from odps.tunnel.io.writer import BaseRecordWriter

from localcloud.admin import clear_faults, inject_fault

pytestmark = pytest.mark.timeout(60)

RECORD_TYPES = {  # every column type pyodps can write as records without pandas
    "c_bigint": ("bigint", 2**62), "c_int": ("int", -7), "c_smallint": ("smallint", 300),
    "c_tinyint": ("tinyint", -5), "c_double": ("double", 2.5), "c_float": ("float", 1.5),
    "c_boolean": ("boolean", True), "c_string": ("string", "héllo, 世界"),
    "c_binary": ("binary", b"\x00\xff\x10"), "c_datetime": ("datetime", dt.datetime(2024, 3, 1, 12, 30, 5, 123000)),
    "c_date": ("date", dt.date(2024, 2, 29)), "c_decimal": ("decimal(10,2)", Decimal("3.14")),
    "c_varchar": ("varchar(10)", "short"), "c_char": ("char(3)", "abc"),
    "c_array": ("array<bigint>", [1, None, 3]), "c_map": ("map<string,datetime>", {"k": dt.datetime(2020, 1, 1)}),
}
COLUMNS = ", ".join(f"{name} {type_}" for name, (type_, _) in RECORD_TYPES.items())
VALUES = [value for _, value in RECORD_TYPES.values()]


@pytest.fixture(scope="module")
def cloud(local_servers):
    return local_servers("maxcompute")


@pytest.fixture(scope="module")
def endpoint(cloud) -> dict:
    return cloud.endpoints["maxcompute"]


@pytest.fixture
def odps(endpoint) -> ODPS:
    return ODPS(endpoint["access_key_id"], endpoint["access_key_secret"], endpoint["project"],
                endpoint=endpoint["endpoint"])


@pytest.fixture
def faults(endpoint):
    yield lambda **rule: inject_fault(endpoint["endpoint"], **rule)
    clear_faults(endpoint["endpoint"])


def rows(reader) -> list[list]:
    return [record.values for record in reader]


# --- metadata, auth, SQL ---------------------------------------------------------------------------
def test_wrong_secret_is_rejected(endpoint):
    client = ODPS(endpoint["access_key_id"], "wrong-secret", endpoint["project"], endpoint=endpoint["endpoint"])
    with pytest.raises(errors.SignatureNotMatch):
        client.exist_table("anything")


def test_table_metadata_and_existence(odps):
    assert not odps.exist_table("meta_t")
    table = odps.create_table("meta_t", ("id bigint, name string", "ds string, hr bigint"),
                              comment="a table", lifecycle=7)
    assert odps.exist_table("meta_t")
    loaded = odps.get_table("meta_t")
    columns = loaded.table_schema.simple_columns
    assert [(c.name, str(c.type).lower()) for c in columns] == [("id", "bigint"), ("name", "string")]
    assert [p.name for p in loaded.table_schema.partitions] == ["ds", "hr"]
    assert (loaded.comment, loaded.lifecycle) == ("a table", 7)
    assert "meta_t" in [t.name for t in odps.list_tables(prefix="meta_")]
    with pytest.raises(errors.ODPSError, match="already exists"):
        odps.create_table("meta_t", "id bigint")
    odps.create_table("meta_t", "id bigint", if_not_exists=True)  # no error
    table.drop()
    assert not odps.exist_table("meta_t")


def test_partitions_lifecycle(odps):
    table = odps.create_table("parts_t", ("v string", "ds string, hr string"))
    table.create_partition("ds=20240101,hr=01")
    odps.execute_sql("ALTER TABLE parts_t ADD IF NOT EXISTS PARTITION (ds='20240101', hr='02') "
                     "PARTITION (ds='20240102', hr='01')")
    assert table.exist_partition("ds=20240101,hr=02")
    assert not table.exist_partition("ds=20991231,hr=01")
    assert [str(p) for p in table.iterate_partitions(spec="ds=20240101")] == [
        "ds='20240101',hr='01'", "ds='20240101',hr='02'"]
    assert table.get_partition("ds=20240102,hr=01").record_num == 0
    with pytest.raises(errors.ODPSError, match="already exists"):
        table.create_partition("ds=20240101,hr=01")
    with pytest.raises(errors.ODPSError, match="not a partition key"):
        table.create_partition("nope=1,hr=01")
    table.delete_partition("ds=20240101,hr=01")
    assert not table.exist_partition("ds=20240101,hr=01")
    table.delete_partition("ds=20240101,hr=01", if_exists=True)
    with pytest.raises(errors.NoSuchObject):
        table.delete_partition("ds=20240101,hr=01")


def test_sql_select_count_limit_and_where(odps):
    table = odps.create_table("sel_t", ("id bigint, name string", "ds string"))
    with table.open_writer(partition="ds=a", create_partition=True) as writer:
        writer.write([[i, f"n{i}"] for i in range(5)])
    with table.open_writer(partition="ds=b", create_partition=True) as writer:
        writer.write([[10, "x"]])
    with odps.execute_sql("SELECT COUNT(*) FROM sel_t WHERE ds = 'a'").open_reader() as reader:
        assert rows(reader) == [[5]]
    with odps.execute_sql("select * from sel_t where ds='a' and id=3").open_reader() as reader:
        assert rows(reader) == [[3, "n3", "a"]]
    with odps.execute_sql("select name, id from sel_t limit 2").open_reader() as reader:
        assert rows(reader) == [["n0", 0], ["n1", 1]]
    with odps.execute_sql("select id, name from sel_t where ds='b'").open_reader(tunnel=False) as reader:
        assert rows(reader) == [[10, "x"]]  # the CSV result path


def test_unsupported_and_failing_sql_fail_the_instance(odps):
    with pytest.raises(errors.ParseError, match="'INSERT INTO t VALUES' is not supported"):
        odps.execute_sql("INSERT INTO t VALUES (1)")
    with pytest.raises(errors.NoSuchTable):
        odps.execute_sql("SELECT COUNT(*) FROM no_such_table")
    instance = odps.run_sql("DROP TABLE no_such_table")
    instance.wait_for_completion()
    assert not instance.is_successful()
    odps.execute_sql("DROP TABLE IF EXISTS no_such_table")


def test_truncate_table_and_partition(odps):
    plain = odps.create_table("trunc_plain", "id bigint")
    with plain.open_writer() as writer:
        writer.write([[1], [2]])
    plain.truncate()
    with plain.open_reader(reopen=True) as reader:
        assert reader.count == 0
    parted = odps.create_table("trunc_parted", ("id bigint", "ds string"))
    for ds in ("a", "b"):
        with parted.open_writer(partition=f"ds={ds}", create_partition=True) as writer:
            writer.write([[1]])
    parted.truncate(partition_spec="ds=a")
    assert [parted.get_partition(f"ds={ds}").record_num for ds in ("a", "b")] == [0, 1]


def test_airflow_hook_and_operator(endpoint, monkeypatch):
    from airflow.providers.alibaba.cloud.hooks.maxcompute import MaxComputeHook
    from airflow.providers.alibaba.cloud.operators.maxcompute import MaxComputeSQLOperator

    monkeypatch.setenv("AIRFLOW_CONN_MC_LOCAL", json.dumps({"conn_type": "maxcompute", "extra": {
        "access_key_id": endpoint["access_key_id"], "access_key_secret": endpoint["access_key_secret"],
        "project": endpoint["project"], "endpoint": endpoint["endpoint"]}}))
    hook = MaxComputeHook(maxcompute_conn_id="mc_local")
    hook.run_sql(sql="CREATE TABLE IF NOT EXISTS hook_t (id bigint) PARTITIONED BY (ds string)").wait_for_success()
    assert hook.get_client().exist_table("hook_t")
    instance = hook.run_sql(sql="ALTER TABLE hook_t ADD PARTITION (ds='1')")
    instance.wait_for_success()
    assert hook.get_instance(instance_id=instance.id).is_successful()
    hook.stop_instance(instance_id=instance.id)  # already terminated: a no-op, as on the service

    pushed = {}
    context = {"task_instance": types.SimpleNamespace(xcom_push=lambda key, value: pushed.update({key: value}))}
    operator = MaxComputeSQLOperator(task_id="count", sql="SELECT COUNT(*) FROM hook_t", maxcompute_conn_id="mc_local")
    instance_id = operator.execute(context)
    with hook.get_instance(instance_id=instance_id).open_reader() as reader:
        assert rows(reader) == [[0]]
    assert instance_id in next(iter(pushed.values()))
    failing = MaxComputeSQLOperator(task_id="bad", sql="SELECT 1", maxcompute_conn_id="mc_local")
    with pytest.raises(errors.ParseError):
        failing.execute(context)


# --- tunnel: writing and reading -------------------------------------------------------------------
def test_record_writer_round_trips_every_type(odps):
    table = odps.create_table("types_rec", COLUMNS + ", c_struct struct<x:bigint,y:string>")
    with table.open_writer() as writer:
        writer.write([VALUES + [{"x": 1, "y": "z"}], [None] * (len(VALUES) + 1)])
    with table.open_reader() as reader:
        first, second = rows(reader)
    assert first[:-1] == VALUES and tuple(first[-1]) == (1, "z")
    assert second == [None] * (len(VALUES) + 1)


def test_arrow_writer_round_trips_every_type(odps):
    table = odps.create_table("types_arrow", COLUMNS + ", c_timestamp timestamp")
    stamp = dt.datetime(2024, 5, 6, 7, 8, 9, 123456)
    arrays = [pa.array([value, None]) if not isinstance(value, dict) else
              pa.array([list(value.items()), None], pa.map_(pa.string(), pa.timestamp("ms")))
              for value in VALUES]
    arrays[VALUES.index(Decimal("3.14"))] = pa.array([Decimal("3.14"), None], pa.decimal128(10, 2))
    batch = pa.record_batch(arrays + [pa.array([stamp, None], pa.timestamp("us"))],
                            names=list(RECORD_TYPES) + ["c_timestamp"])
    session = TableTunnel(odps).create_upload_session("types_arrow")
    with session.open_arrow_writer(0) as writer:
        writer.write(batch)
    session.commit([0])
    download = TableTunnel(odps).create_download_session("types_arrow")
    with download.open_arrow_reader(0, download.count) as reader:
        got = reader.read().to_pylist()
    expected = dict(zip(RECORD_TYPES, VALUES), c_timestamp=stamp)
    expected["c_map"] = list(expected["c_map"].items())
    assert got[0] == expected
    assert all(v is None for v in got[1].values())
    with table.open_reader(columns=list(RECORD_TYPES)) as reader:  # records need no pandas without TIMESTAMP
        assert rows(reader)[0] == VALUES
    with table.open_writer(arrow=True) as writer:  # the buffered Arrow writer, blocks numbered for us
        writer.write(batch)
    with table.open_reader(arrow=True, reopen=True) as reader:
        assert reader.count == 4


def test_download_ranges_and_columns(odps):
    table = odps.create_table("range_t", ("id bigint, tag string", "ds string"))
    with table.open_writer(partition="ds=x", create_partition=True) as writer:
        writer.write([[i, f"t{i}"] for i in range(25)])
    tunnel = TableTunnel(odps)
    session = tunnel.create_download_session("range_t", partition_spec="ds=x")
    assert session.count == 25
    with session.open_record_reader(5, 10) as reader:
        assert [r["id"] for r in reader] == list(range(5, 15))
    with session.open_record_reader(20, 5, columns=["tag"]) as reader:
        assert [r.values for r in reader] == [[f"t{i}"] for i in range(20, 25)]
    with session.open_arrow_reader(3, 4, columns=["id"]) as reader:
        assert reader.read().column("id").to_pylist() == [3, 4, 5, 6]
    with table.open_reader(partition="ds=x") as reader:
        assert [r["id"] for r in reader[22:25]] == [22, 23, 24]
    with pytest.raises(errors.ODPSError, match="row range"):
        list(session.open_record_reader(20, 10))


# --- tunnel: commit semantics ----------------------------------------------------------------------
def _write_block(session, block_id: int, values: list[list]) -> None:
    with session.open_record_writer(block_id) as writer:
        for row in values:
            writer.write(session.new_record(row))


def _ids(tunnel, table: str, partition: str | None = None) -> list[int]:
    download = tunnel.create_download_session(table, partition_spec=partition)
    with download.open_record_reader(0, download.count) as reader:
        return sorted(r["id"] for r in reader)


def test_commit_is_atomic_single_and_overwrites(odps):
    odps.create_table("commit_t", ("id bigint", "ds string"))
    tunnel = TableTunnel(odps)
    first = tunnel.create_upload_session("commit_t", partition_spec="ds=1", create_partition=True)
    _write_block(first, 0, [[1], [2]])
    _write_block(first, 1, [[3]])
    assert _ids(tunnel, "commit_t", "ds=1") == []  # uploaded, not committed: invisible
    second = tunnel.create_upload_session("commit_t", partition_spec="ds=1")
    _write_block(second, 7, [[10]])
    second.commit([7])
    assert _ids(tunnel, "commit_t", "ds=1") == [10]
    first.commit([0, 1])
    assert _ids(tunnel, "commit_t", "ds=1") == [1, 2, 3, 10]
    with pytest.raises(errors.ODPSError, match="committed already"):
        first._complete_upload()  # the commit POST a second time
    replace = tunnel.create_upload_session("commit_t", partition_spec="ds=1", overwrite=True)
    _write_block(replace, 0, [[99]])
    assert _ids(tunnel, "commit_t", "ds=1") == [1, 2, 3, 10]
    replace.commit([0])
    assert _ids(tunnel, "commit_t", "ds=1") == [99]
    with odps.get_table("commit_t").open_writer(partition="ds=1", overwrite=True) as writer:
        writer.write([[5]])
    assert _ids(tunnel, "commit_t", "ds=1") == [5]


def test_reuploaded_block_replaces_the_earlier_copy(odps):
    odps.create_table("reupload_t", "id bigint")
    tunnel = TableTunnel(odps)
    session = tunnel.create_upload_session("reupload_t")
    _write_block(session, 0, [[1], [2]])
    _write_block(session, 0, [[3]])  # a retried task writes its block again
    assert tunnel.create_upload_session("reupload_t", upload_id=session.id).blocks == [0]
    session.commit([0])
    assert _ids(tunnel, "reupload_t") == [3]


def test_corrupt_or_mismatched_block_stores_nothing(odps):
    table = odps.create_table("corrupt_t", "id bigint, name string")
    tunnel = TableTunnel(odps)
    session = tunnel.create_upload_session("corrupt_t")
    out = io.BytesIO()
    writer = BaseRecordWriter(table.table_schema, out)
    writer.write(Record(schema=table.table_schema, values=[1, "abc"]))
    writer.close()
    corrupt = bytearray(out.getvalue())
    corrupt[corrupt.index(b"abc") + 1] ^= 0x01  # "abc" -> "acc": still valid UTF-8, wrong CRC
    params = {"uploadid": session.id, "blockid": "0"}
    with pytest.raises(errors.ODPSError, match="MalformedDataStream.*checksum of record 1 does not match"):
        session._client.put(session._table.table_resource(), data=bytes(corrupt), params=params)
    with pytest.raises(errors.ODPSError, match="truncated"):
        session._client.put(session._table.table_resource(), data=out.getvalue()[:-2], params=params)
    wider = odps.create_table("corrupt_wider", "id bigint, name string, extra string").table_schema
    out = io.BytesIO()
    writer = BaseRecordWriter(wider, out)
    writer.write(Record(schema=wider, values=[1, "abc", "not in corrupt_t"]))
    writer.close()
    with pytest.raises(errors.ODPSError, match="MalformedDataStream"):
        session._client.put(session._table.table_resource(), data=out.getvalue(), params=params)
    assert tunnel.create_upload_session("corrupt_t", upload_id=session.id).blocks == []
    with pytest.raises(errors.ODPSError, match="InvalidPartitionSpec"):
        tunnel.create_upload_session("corrupt_t", partition_spec="ds=1")
    with pytest.raises(errors.NoSuchTable):
        tunnel.create_upload_session("no_such_table")


# --- faults ----------------------------------------------------------------------------------------
def test_faults_are_answered_in_the_service_format_and_retried(odps, faults):
    table = odps.create_table("fault_t", "id bigint")
    faults(kind="status", op="table.get", status=503, count=1)
    assert odps.exist_table("fault_t")  # GET retried by pyodps on 503
    faults(kind="error", op="tunnel.upload_block", code="InternalServerError", count=1)
    with table.open_writer() as writer:  # the buffered writer retries the block after 1 s
        writer.write([[1], [2]])
    faults(kind="error", op="tunnel.commit", code="ServiceUnavailable", count=1)
    session = TableTunnel(odps).create_upload_session("fault_t")
    _write_block(session, 0, [[3]])
    session.commit([0])  # retried after the fault
    assert _ids(TableTunnel(odps), "fault_t") == [1, 2, 3]
    faults(kind="error", op="sql.create_instance", code="NoPermission", count=1)
    with pytest.raises(errors.NoPermission):
        odps.execute_sql("SELECT COUNT(*) FROM fault_t")
    faults(kind="error", op="tunnel.create_download", code="NoSuchObject", count=1)
    with pytest.raises(errors.NoSuchObject):
        TableTunnel(odps).create_download_session("fault_t")


# --- restart ---------------------------------------------------------------------------------------
def test_data_and_sessions_survive_a_crash(local_servers):
    process = local_servers("maxcompute")  # a server of this test's own, to crash
    ep = process.endpoints["maxcompute"]
    client = ODPS(ep["access_key_id"], ep["access_key_secret"], ep["project"], endpoint=ep["endpoint"])
    table = client.create_table("persist_t", ("id bigint", "ds string"))
    with table.open_writer(partition="ds=1", create_partition=True) as writer:
        writer.write([[1], [2]])
    tunnel = TableTunnel(client)
    pending = tunnel.create_upload_session("persist_t", partition_spec="ds=1")
    _write_block(pending, 0, [[3]])
    process.kill()  # a crash: SIGKILL, no shutdown
    process.start()
    assert _ids(tunnel, "persist_t", "ds=1") == [1, 2]  # the pending session is still invisible
    with table.open_reader(partition="ds=1") as reader:  # reuses its cached download session
        assert sorted(r["id"] for r in reader) == [1, 2]
    resumed = tunnel.create_upload_session("persist_t", partition_spec="ds=1", upload_id=pending.id)
    assert resumed.blocks == [0]
    resumed.commit([0])
    assert _ids(tunnel, "persist_t", "ds=1") == [1, 2, 3]
    assert client.get_table("persist_t").exist_partition("ds=1")
