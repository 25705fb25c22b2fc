"""ODPSWriter against the local MaxCompute without Airflow: the checks of the plan, blocks left by
failed split attempts, and a commit that is repeated."""

from __future__ import annotations

import pytest
from odps import ODPS

from tablestore_channels.errors import ConfigError, PreconditionError
from tablestore_channels.plugins.odpswriter.config import ODPSWriterConfig
from tablestore_channels.plugins.odpswriter.writer import MAX_SPLITS, ODPSWriter

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def odps(localcloud) -> ODPS:
    mc = localcloud.endpoints["maxcompute"]
    client = ODPS(mc["access_key_id"], mc["access_key_secret"], mc["project"], endpoint=mc["endpoint"])
    client.execute_sql("CREATE TABLE w_parts (k BIGINT, v STRING, must STRING NOT NULL, ts TIMESTAMP) "
                       "PARTITIONED BY (pt STRING, region STRING)")
    client.execute_sql("CREATE TABLE w_flat (k BIGINT, v STRING)")
    return client


def writer(odps: ODPS, run_key: str = "20310101T000000_test", **parameter) -> ODPSWriter:
    raw = {"table": "w_flat", "column": ["*"], "truncate": True, **parameter}
    return ODPSWriter(odps, ODPSWriterConfig.from_parameter(raw), run_key)


def rows(odps: ODPS, table: str = "w_flat") -> list[tuple]:
    with odps.get_table(table).open_reader(arrow=True) as reader:
        return sorted((r["k"], r["v"]) for batch in reader for r in batch.to_pylist())


def test_a_missing_table_is_named(odps):
    with pytest.raises(PreconditionError, match=r"local_project\.nowhere does not exist"):
        writer(odps, table="nowhere").prepare(["k", "v"])


@pytest.mark.parametrize("parameter, message", [
    ({}, r"partitioned by \['pt', 'region'\]"),
    ({"partition": "pt=1"}, "down to the last level"),
    ({"partition": "pt=1,zone=hz"}, "partitioned by"),
])
def test_the_partition_must_name_every_key_of_a_partitioned_table(odps, parameter, message):
    with pytest.raises(ConfigError, match=message):
        writer(odps, table="w_parts", column=["k", "v", "must"], **parameter).prepare(["a", "b", "c"])


@pytest.mark.parametrize("parameter, columns, message", [
    ({"partition": "pt=1"}, ["k", "v"], "not partitioned"),
    ({}, ["k"], r"maps 2 MaxCompute column\(s\) but the reader gives 1"),
    ({"column": ["k", "nope"]}, ["a", "b"], r"\['nope'\] are not columns"),
])
def test_partition_and_columns_of_an_unpartitioned_table(odps, parameter, columns, message):
    with pytest.raises(ConfigError, match=message):
        writer(odps, **parameter).prepare(columns)


@pytest.mark.parametrize("column, message", [
    (["k", "v"], r"NOT NULL column\(s\) \['must'\]"),
    (["k", "must", "ts"], "timestamp needs pandas"),
])
def test_unwritable_column_mappings_fail_in_the_plan(odps, column, message):
    with pytest.raises(ConfigError, match=message):
        writer(odps, table="w_parts", column=column, partition="pt=1,region=hz").prepare(["a"] * len(column))


def test_too_many_splits_for_one_session(odps):
    job = writer(odps)
    context = job.prepare(["k", "v"])
    with pytest.raises(ConfigError, match="splits one upload session can take"):
        job.open_split(MAX_SPLITS, ["k", "v"], context)


def test_blocks_of_a_failed_attempt_are_emptied_and_a_repeated_commit_changes_nothing(odps):
    job = writer(odps, blockSizeInMB=1)
    context = job.prepare(["k", "v"])
    failed = job.open_split(0, ["k", "v"], context)
    for k in range(2500):  # about 2.5 MB: the attempt sends two blocks, then dies
        failed.write((k, "x" * 1000))
    failed.abort()
    retried = job.open_split(0, ["k", "v"], context)  # the source changed: one small block now
    retried.write((1, "one"))
    other = job.open_split(1, ["k", "v"], context)
    other.write((2, "two"))
    results = [retried.close(), other.close()]
    assert [r["blocks"] for r in results] == [[0], [200]]
    uploaded = job.tunnel.create_upload_session("w_flat", upload_id=context["upload_id"]).blocks
    assert sorted(int(b) for b in uploaded) == [0, 1, 200]  # block 1 is the failed attempt's

    summary = job.commit(results, {}, context)
    assert rows(odps) == [(1, "one"), (2, "two")] and summary["rows"] == 2
    job.commit(results, {}, context)  # a commit task retried after its commit went through
    assert rows(odps) == [(1, "one"), (2, "two")]


def test_a_block_the_commit_cannot_find_stops_it(odps):
    job = writer(odps)
    context = job.prepare(["k", "v"])
    split = job.open_split(0, ["k", "v"], context)
    split.write((3, "three"))
    result = split.close()
    before = rows(odps)
    with pytest.raises(PreconditionError, match=r"block\(s\) \[201\]"):
        job.commit([result, {**result, "split": 1, "blocks": [201]}], {}, context)
    assert rows(odps) == before
