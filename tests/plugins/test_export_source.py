"""What an export's manifest records of its source and of when it read it: a full export (the
table's key, predefined columns, versions kept, the mode, whether it read the whole table) and
a stream window (its bounds, mode and sequence info), with the reading's start and end
bracketing every read."""

from __future__ import annotations

import pytest

from tablestore_channels.backup_layout import Manifest
from tablestore_channels.plugins.export_source import ExportedWindow, TableExport
from tests.support.exports import create_table, manifests, oss_bucket
from tests.support.streams import boundary, create_stream_table, now_ms, put, run_window, stream_job


@pytest.fixture(scope="module")
def endpoints(localcloud):
    return localcloud.endpoints


def export_job(table: str, prefix: str, **reader) -> dict:
    return {"type": "job", "version": "1.0", "configuration": {
        "reader": {"plugin": "ots", "parameter": {"table": table, **reader}},
        "writer": {"plugin": "oss", "parameter": {"object": prefix, "writeMode": "truncate"}}}}


def test_a_full_export_records_its_source_and_reading_period(endpoints):
    from devstack.connections import DirectConnections

    client = DirectConnections(endpoints).tablestore(None)
    create_table(client, "src_meta", [("id", "STRING")], [([("id", f"k{i}")], [("v", i)]) for i in range(30)],
                 max_version=3, defined_columns=[("v", "INTEGER")])
    before = now_ms()
    run_window(endpoints, export_job("src_meta", "meta/full/", mode="multiVersion"), run_key="mv")
    run_window(endpoints, export_job("src_meta", "meta/rows/", column=[{"name": "id"}, {"name": "v"}]),
               run_key="rows")
    after = now_ms()
    bucket = oss_bucket(endpoints)
    (full,), (rows,) = manifests(bucket, "meta/full/"), manifests(bucket, "meta/rows/")
    assert full["source"] == {
        "plugin": "ots", "table": "src_meta", "mode": "multiVersion", "columns": [], "whole_table": True,
        "max_version": None, "primary_key": [["id", "STRING"]], "defined_columns": [["v", "INTEGER"]],
        "table_max_versions": 3, "table_time_to_live": -1}
    assert before <= full["read_started_at_ms"] <= full["read_finished_at_ms"] <= after
    assert full["read_started_at"].endswith("+00:00") and full["read_finished_at"].endswith("+00:00")
    export = TableExport.of("k", Manifest.model_validate(full))
    assert export is not None and export.full_versions and export.max_versions == 3
    row_export = TableExport.of("k", Manifest.model_validate(rows))
    assert row_export is not None and not row_export.full_versions and "mode 'normal'" in row_export.why_not


def test_a_stream_window_records_its_bounds_mode_and_sequence_info(endpoints):
    from devstack.connections import DirectConnections

    client = DirectConnections(endpoints).tablestore(None)
    create_stream_table(client, "src_window")
    start = now_ms()
    put(client, "src_window", "a", 1, v=1)
    end = boundary()  # already past when the window is planned (lag 0)
    run_window(endpoints, stream_job("src_window", start, end), run_key="w")
    (manifest,) = manifests(oss_bucket(endpoints), f"stream/src_window/{start}-{end}/")
    window = ExportedWindow.of("k", Manifest.model_validate(manifest))
    assert window == ExportedWindow("k", "src_window", start, end, "multi_version", True)
    assert manifest["read_started_at_ms"] <= manifest["read_finished_at_ms"]
