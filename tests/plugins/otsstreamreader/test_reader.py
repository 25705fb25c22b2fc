"""OTSStreamReader against the local Tablestore and OSS servers, window by window through jobrun:
checkpoints (resume, rerun, incomplete sets), the time fallback, shard splits, the lag rule and
trimmed data."""

from __future__ import annotations

import logging
import time

import pytest
import tablestore

from devstack.connections import DirectConnections
from localcloud.tablestore import control
from tablestore_channels.errors import PreconditionError
from tablestore_channels.plugins.otsstreamreader.checkpoints import MARKER_TYPE, CheckpointStore
from tablestore_channels.plugins.otsstreamreader.config import OTSStreamReaderConfig
from tablestore_channels.plugins.otsstreamreader.reader import OTSStreamReader
from tablestore_channels.retrying import Retry, ots_retriable
from tests.support.streams import (
    boundary,
    create_stream_table,
    delete,
    now_ms,
    put,
    run_window,
    stream_job,
    update,
    window_output,
)

STATUS = "TableStoreStreamReaderStatusTable"


@pytest.fixture(scope="module")
def endpoints(localcloud):
    return localcloud.endpoints


@pytest.fixture(scope="module")
def client(endpoints):
    return DirectConnections(endpoints).tablestore(None)


def keys(rows):
    """(id, op_type) per output row: what changed, in output order."""
    return [(r[0], r[5]) for r in rows]


def stream_id(client, table):
    return client.describe_table(table).stream_details.stream_id


def store(client):
    return CheckpointStore(client, STATUS, Retry(ots_retriable, 0))


def test_consecutive_windows_resume_at_checkpoints(endpoints, client, caplog):
    create_stream_table(client, "s_resume")
    b0 = boundary()
    for i in range(6):
        put(client, "s_resume", f"k{i}", i, v=i)
    b1 = boundary()
    update(client, "s_resume", "k1", 1, put={"v": 10}, delete_all=("w",))
    delete(client, "s_resume", "k2", 2)
    b2 = boundary()
    with caplog.at_level(logging.INFO):
        first = run_window(endpoints, stream_job("s_resume", b0, b1))
        caplog.clear()
        second = run_window(endpoints, stream_job("s_resume", b1, b2))
    assert first["rows"] == 12 and second["rows"] == 3
    assert sorted(keys(window_output(endpoints, "s_resume", b0, b1))) == sorted(
        [(f"k{i}", op) for i in range(6) for op in ("DR", "U")])
    assert sorted(keys(window_output(endpoints, "s_resume", b1, b2))) == [("k1", "DA"), ("k1", "U"), ("k2", "DR")]
    assert "2 with a checkpoint" in caplog.text and "positioned by time" not in caplog.text
    assert second["checkpoint_shards"] == 2
    saved = store(client).load(stream_id(client, "s_resume"), b2)
    assert saved is not None and set(saved) == {s.shard_id for s in client.iter_stream_shards(
        stream_id(client, "s_resume"))}


def test_status_table_layout_as_datax(client):
    desc = client.describe_table(STATUS)
    assert [c[:2] for c in desc.table_meta.schema_of_primary_key] == [
        ("StreamId", "STRING"), ("StatusType", "STRING"), ("StatusValue", "STRING")]
    assert desc.table_options.time_to_live == 30 * 24 * 3600


def test_window_that_does_not_line_up_falls_back_to_time(endpoints, client, caplog):
    create_stream_table(client, "s_misaligned")
    b0 = boundary()
    put(client, "s_misaligned", "a", 1, v=1)
    b1 = boundary()
    put(client, "s_misaligned", "b", 2, v=2)
    b2 = boundary()
    put(client, "s_misaligned", "c", 3, v=3)
    b3 = boundary()
    run_window(endpoints, stream_job("s_misaligned", b0, b1))
    with caplog.at_level(logging.INFO):
        run_window(endpoints, stream_job("s_misaligned", b2, b3))  # [b1, b2) was never run
    assert "No complete checkpoint at the window start" in caplog.text
    assert "positioned by time" in caplog.text
    assert keys(window_output(endpoints, "s_misaligned", b2, b3)) == [("c", "DR"), ("c", "U")]


def test_incomplete_checkpoint_set_is_not_used(endpoints, client, caplog):
    create_stream_table(client, "s_incomplete")
    b0 = boundary()
    put(client, "s_incomplete", "a", 1, v=1)
    b1 = boundary()
    put(client, "s_incomplete", "b", 2, v=2)
    b2 = boundary()
    run_window(endpoints, stream_job("s_incomplete", b0, b1))
    sid = stream_id(client, "s_incomplete")
    client.delete_row(STATUS, tablestore.Row(
        [("StreamId", sid), ("StatusType", MARKER_TYPE), ("StatusValue", f"{b1:016d}")]), None)
    assert store(client).load(sid, b1) is None
    with caplog.at_level(logging.INFO):
        run_window(endpoints, stream_job("s_incomplete", b1, b2))
    assert "No complete checkpoint" in caplog.text
    assert keys(window_output(endpoints, "s_incomplete", b1, b2)) == [("b", "DR"), ("b", "U")]


def test_rerun_removes_its_own_end_checkpoints_and_repeats_identically(endpoints, client, caplog):
    create_stream_table(client, "s_rerun")
    b0 = boundary()
    for i in range(4):
        put(client, "s_rerun", f"k{i}", i, v=i)
    b1 = boundary()
    for i in range(4):
        update(client, "s_rerun", f"k{i}", i, put={"v": i + 100})
    b2 = boundary()
    run_window(endpoints, stream_job("s_rerun", b0, b1))
    run_window(endpoints, stream_job("s_rerun", b1, b2))
    sid = stream_id(client, "s_rerun")
    before = (window_output(endpoints, "s_rerun", b0, b1), store(client).load(sid, b1))
    with caplog.at_level(logging.INFO):
        run_window(endpoints, stream_job("s_rerun", b0, b1))
    assert "removed the 2 checkpoint(s) saved at its end" in caplog.text
    assert (window_output(endpoints, "s_rerun", b0, b1), store(client).load(sid, b1)) == before


def test_split_shard_children_after_parent(endpoints, client):
    create_stream_table(client, "s_split")
    sid = stream_id(client, "s_split")
    b0 = boundary()
    for i in range(20):
        put(client, "s_split", f"k{i:02d}", i, v=i)
    parent = sorted(s.shard_id for s in client.iter_stream_shards(sid))[0]
    children = control.split_shard(endpoints["tablestore"]["endpoint"], "s_split", parent)
    for i in range(20):
        update(client, "s_split", f"k{i:02d}", i, put={"v": i + 1000})
    b1 = boundary()
    for i in range(20):
        delete(client, "s_split", f"k{i:02d}", i)
    b2 = boundary()
    run_window(endpoints, stream_job("s_split", b0, b1, concurrent=4))
    first = window_output(endpoints, "s_split", b0, b1)
    run_window(endpoints, stream_job("s_split", b1, b2, concurrent=4))
    second = window_output(endpoints, "s_split", b1, b2)
    assert len(first) == 60 and len(second) == 20
    for i in range(20):  # every row: its put before its update, whatever shard each landed in
        ops = [r[5] for r in first if r[0] == f"k{i:02d}"]
        assert ops == ["DR", "U", "U"], (i, ops)
    assert sorted(r[0] for r in second) == [f"k{i:02d}" for i in range(20)]
    saved = store(client).load(sid, b2)
    assert saved[parent].finished and set(children) <= set(saved)


def test_window_ending_after_now_minus_lag_is_refused(endpoints, client):
    create_stream_table(client, "s_lag")
    end = now_ms() - 60_000  # a minute ago: inside the default 5-minute lag
    job = stream_job("s_lag", end - 300_000, end)
    del job["configuration"]["reader"]["parameter"]["lagMinutes"]
    with pytest.raises(PreconditionError, match=r"ends after now - lagMinutes \(5 min\).*Fix: run it at or after"):
        run_window(endpoints, job)
    with pytest.raises(PreconditionError, match="lagMinutes"):
        run_window(endpoints, stream_job("s_lag", now_ms(), now_ms() + 1000))


def test_trimmed_checkpoint_fails_with_the_lost_range_unless_allowed(endpoints, client, caplog):
    create_stream_table(client, "s_trim")
    b0 = boundary()
    put(client, "s_trim", "a", 1, v=1)
    b1 = boundary()
    for i in range(4):
        put(client, "s_trim", f"b{i}", i, v=2)
    cut = boundary()
    for i in range(4):
        put(client, "s_trim", f"c{i}", i, v=3)
    b2 = boundary()
    run_window(endpoints, stream_job("s_trim", b0, b1))
    control.trim_stream(endpoints["tablestore"]["endpoint"], "s_trim", cut * 1000)
    with pytest.raises(PreconditionError, match=r"Changes of table 's_trim' committed in \[.*\) are no longer in its "
                       r"stream.*OTSTrimmedDataAccess.*full export"):
        run_window(endpoints, stream_job("s_trim", b1, b2))
    with caplog.at_level(logging.INFO):
        run_window(endpoints, stream_job("s_trim", b1, b2, allowDataLoss=True))
    assert "DATA LOSS accepted by allowDataLoss" in caplog.text
    assert sorted(r[0] for r in window_output(endpoints, "s_trim", b1, b2)) == sorted(
        f"c{i}" for i in range(4) for _ in range(2))


def test_start_older_than_retention_without_checkpoint(endpoints, client, caplog):
    create_stream_table(client, "s_retention", hours=1)
    start = now_ms()
    put(client, "s_retention", "a", 1, v=1)
    end = boundary()
    later = lambda: time.time() + 2 * 3600  # noqa: E731 - two hours on: the stream kept only the last hour
    config = OTSStreamReaderConfig.from_parameter({"dataTable": "s_retention", "startTimestampMillis": start,
                                                   "endTimestampMillis": end, "lagMinutes": 0})
    reader = OTSStreamReader(client, config, clock=later)
    with pytest.raises(PreconditionError, match="the stream keeps 1 h of changes.*full export"):
        reader.plan(1)
    lenient = OTSStreamReader(client, OTSStreamReaderConfig.from_parameter(
        {"dataTable": "s_retention", "startTimestampMillis": start, "endTimestampMillis": end, "lagMinutes": 0,
         "allowDataLoss": True}), clock=later)
    with caplog.at_level(logging.ERROR):
        assert lenient.plan(1)[0]
    assert "DATA LOSS" in caplog.text
    # a window before the stream existed lost nothing
    early = OTSStreamReaderConfig.from_parameter({"dataTable": "s_retention", "startTimestampMillis": start - 7_200_000,
                                                  "endTimestampMillis": start - 3_600_000, "lagMinutes": 0})
    assert OTSStreamReader(client, early).plan(1)[0]


def test_single_version_mode_rows(endpoints, client):
    create_stream_table(client, "s_single")
    b0 = boundary()
    put(client, "s_single", "a", 1, v=1, w="x")
    update(client, "s_single", "a", 1, put={"v": 2}, delete_all=("w",))
    delete(client, "s_single", "a", 1)
    b1 = boundary()
    run_window(endpoints, stream_job("s_single", b0, b1, mode="single_version_and_update_only",
                                     column=[{"name": "id"}, {"name": "v"}, {"name": "w"}]))
    assert window_output(endpoints, "s_single", b0, b1) == [["a", "1", "x"], ["a", "2", "null"]]


def test_missing_table_and_disabled_stream(endpoints, client):
    with pytest.raises(PreconditionError, match="does not exist"):
        run_window(endpoints, stream_job("s_nope", 0, 1000))
    if "s_plain" not in client.list_table():
        client.create_table(tablestore.TableMeta("s_plain", [("id", "STRING")]), tablestore.TableOptions(),
                            tablestore.ReservedThroughput(tablestore.CapacityUnit(0, 0)))
    with pytest.raises(PreconditionError, match="has no stream enabled"):
        run_window(endpoints, stream_job("s_plain", 0, 1000))
