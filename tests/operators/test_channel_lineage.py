"""Assets and lineage of a channel's commit: a committed full export is an asset event in the
metadata DB (the export's prefix without its date folder, the manifest and totals in its
extra), and the commit operator's OpenLineage method gives the input and output datasets with
row counts."""

from __future__ import annotations

import json

import pytest

from tablestore_channels.operators.channel import ChannelCommitOperator
from tests.support.airflow_runs import asset_events
from tests.support.exports import cloud_connections, create_table, export, sample_rows

EXPORT_JOB = {"type": "job", "configuration": {
    "reader": {"plugin": "ots", "parameter": {"table": "lin_src", "column": ["id", "n"]}},
    "writer": {"plugin": "oss", "parameter": {"object": "tablestore/lin_src/20310101/120000/", "writeMode": "truncate"}}}}


@pytest.fixture(scope="module")
def cloud(localcloud):
    with cloud_connections(localcloud.endpoints):
        yield localcloud.endpoints


def test_a_committed_export_is_an_asset_event_with_its_manifest_and_totals(cloud, client, bucket):
    create_table(client, "lin_src", [("id", "STRING")], sample_rows(12))
    manifest, _ = export(bucket, {"table": "lin_src", "column": ["id", "n"]}, "tablestore/lin_src/20310101/120000/")
    uri = f"oss://{bucket.bucket_name}/tablestore/lin_src"
    (event,) = asset_events(uri, manifest["run_id"])
    assert event.source_task_id == "channel.commit" and event.source_dag_id == "channel_job"
    key = f"tablestore/lin_src/20310101/120000/{manifest['run_key']}_manifest.json"
    assert event.extra["manifest"] == f"oss://{bucket.bucket_name}/{key}"
    assert event.extra["totals"] == {"rows": 12, "bytes": manifest["totals"]["bytes"], "objects": 1, "dirty": 0,
                                     "read": 12}


def test_openlineage_facets_name_the_table_and_the_prefix_with_row_counts(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_TABLESTORE_DEFAULT", json.dumps({
        "conn_type": "tablestore", "host": "https://inst.cn-hangzhou.ots.aliyuncs.com", "login": "id",
        "password": "secret", "extra": {"instance_name": "inst"}}))
    operator = ChannelCommitOperator(task_id="commit", job=EXPORT_JOB, plan=[], results=[])
    operator.summary = {"rows": 12, "bytes": 345, "objects": 1, "read": 12,
                        "manifest": "oss://bkt/tablestore/lin_src/20310101/120000/r_manifest.json"}
    lineage = operator.get_openlineage_facets_on_complete(None)
    (source,), (target,) = lineage.inputs, lineage.outputs
    assert (source.namespace, source.name) == ("tablestore://inst", "lin_src")
    assert source.inputFacets["inputStatistics"].rowCount == 12
    assert (target.namespace, target.name) == ("oss://bkt", "tablestore/lin_src/")
    statistics = target.outputFacets["outputStatistics"]
    assert (statistics.rowCount, statistics.size, statistics.fileCount) == (12, 345, 1)
