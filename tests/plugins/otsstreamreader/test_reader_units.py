"""OTSStreamReader's pure parts: parameters and time forms, shard lineages, record conversion."""

from __future__ import annotations

import datetime as dt

import pytest

from tablestore_channels.errors import ConfigError
from tablestore_channels.ots_client.models import (
    CellType,
    RecordAction,
    SequenceInfo,
    StreamColumn,
    StreamRecord,
    StreamShard,
)
from tablestore_channels.pages import ColumnarPage
from tablestore_channels.plugins.otsstreamreader import output_records, shard_lineage
from tablestore_channels.plugins.otsstreamreader.config import MULTI_VERSION, SINGLE_VERSION, OTSStreamReaderConfig


def ms(*args, tz=dt.UTC) -> int:
    return int(dt.datetime(*args, tzinfo=tz).timestamp() * 1000)


def config(**parameter) -> OTSStreamReaderConfig:
    return OTSStreamReaderConfig.from_parameter({"dataTable": "t", **parameter})


# --- parameters -------------------------------------------------------------------------------
def test_defaults_and_millisecond_window():
    c = config(startTimestampMillis=1000, endTimestampMillis="2000")
    assert (c.start_ms, c.end_ms) == (1000, 2000)
    assert c.status_table == "TableStoreStreamReaderStatusTable"
    assert (c.mode, c.max_retries, c.window_minutes, c.lag_minutes, c.allow_data_loss) == (MULTI_VERSION, 30, 5, 5, False)
    assert c.lag_ms == 300_000


def test_fourteen_digits_in_the_millisecond_key_are_a_datetime_in_the_time_zone():
    c = config(startTimestampMillis="20260101120000", endTimestampMillis="20260101120500")
    assert (c.start_ms, c.end_ms) == (ms(2026, 1, 1, 12, 0), ms(2026, 1, 1, 12, 5))
    shanghai = config(startTimestampMillis="20260101120000", endTimestampMillis="20260101120500",
                      timeZone="Asia/Shanghai")
    assert shanghai.start_ms == ms(2026, 1, 1, 4, 0)


def test_time_strings_and_date():
    c = config(startTimeString="20260101235500", endTimeString="20260102000000")
    assert (c.start_ms, c.end_ms) == (ms(2026, 1, 1, 23, 55), ms(2026, 1, 2))
    day = config(date="20260301", timeZone="Asia/Shanghai")
    assert day.end_ms - day.start_ms == 24 * 3600 * 1000
    assert day.start_ms == ms(2026, 2, 28, 16, 0)


def test_missing_end_is_start_plus_window_minutes():
    c = config(startTimeString="20260101000000", windowMinutes=0.5)
    assert c.end_ms - c.start_ms == 30_000


@pytest.mark.parametrize("parameter, match", [
    ({}, "no time window is set"),
    ({"startTimestampMillis": 1, "endTimestampMillis": 2, "date": "20260101"}, "more than one time form"),
    ({"endTimestampMillis": 2}, "startTimestampMillis: is required"),
    ({"startTimestampMillis": 5, "endTimestampMillis": 5}, "must be after startTimestampMillis"),
    ({"startTimeString": "2026010112", "endTimeString": "20260101130000"}, "yyyyMMddHHmmss"),
    ({"date": "2026-01-01"}, "yyyyMMdd"),
    ({"date": "20260101", "timeZone": "Mars/Olympus"}, "unknown time zone"),
    ({"date": "20260101", "mode": "rows"}, "unknown value 'rows'"),
    ({"date": "20260101", "mode": SINGLE_VERSION}, "column: is required"),
    ({"date": "20260101", "mode": SINGLE_VERSION, "column": [{"name": "a"}], "isExportSequenceInfo": True},
     "must be false"),
    ({"date": "20260101", "column": ["a"]}, "applies to mode single_version_and_update_only only"),
    ({"date": "20260101", "mode": SINGLE_VERSION, "column": [{"type": "string", "value": "x"}]}, "constants"),
    ({"date": "20260101", "windowMinutes": 0}, "greater than 0"),
    ({"date": "20260101", "endpoint": "http://x"}, "endpoint: credentials written into the job"),
])
def test_invalid_parameters_name_the_key(parameter, match):
    with pytest.raises(ConfigError, match=match):
        config(**parameter)


def test_single_version_columns():
    c = config(date="20260101", mode="SINGLE_VERSION_AND_UPDATE_ONLY", column=[{"name": "id"}, "v"])
    assert (c.mode, c.columns) == (SINGLE_VERSION, ("id", "v"))


# --- lineages ---------------------------------------------------------------------------------
def ids(groups):
    return [[s.shard_id for s in g] for g in groups]


def test_lineages_keep_parents_before_children_and_merges_together():
    shards = [StreamShard("c1", "a"), StreamShard("a"), StreamShard("b"), StreamShard("c2", "a"),
              StreamShard("d"), StreamShard("m", "b", "d"), StreamShard("e"), StreamShard("g", "gone")]
    groups = shard_lineage.lineages(shards)
    assert ids(groups) == [["a", "c1", "c2"], ["b", "d", "m"], ["e"], ["g"]]
    assert ids(shard_lineage.assign(groups, 2)) == [["a", "c1", "c2", "e"], ["b", "d", "m", "g"]]
    assert ids(shard_lineage.assign(groups, 10)) == [["a", "c1", "c2"], ["b", "d", "m"], ["e"], ["g"]]
    assert ids(shard_lineage.assign(groups, 1)) == [["a", "c1", "c2", "b", "d", "m", "e", "g"]]
    assert shard_lineage.parents(StreamShard("m", "b", "gone"), {"b", "m"}) == ["b"]


# --- records ----------------------------------------------------------------------------------
SEQ = SequenceInfo(1, 1_700_000_000_123_456, 2)


def record(action, *columns):
    return StreamRecord(action, [("id", "k"), ("n", 7)], list(columns), SEQ)


PUT = record(RecordAction.PUT, StreamColumn("a", 1, CellType.PUT, 10), StreamColumn("b", bytearray(b"x"), CellType.PUT, 10))
UPDATE = record(RecordAction.UPDATE, StreamColumn("a", 2, CellType.PUT, 11),
                StreamColumn("b", None, CellType.DELETE_ONE_VERSION, 10),
                StreamColumn("c", None, CellType.DELETE_ALL_VERSION, None))
DELETE = record(RecordAction.DELETE)


def taken(page: output_records.OutputPage, *records, shard: str = "s1") -> list[tuple]:
    page.add(records, shard)
    return list(page.take())


def test_multi_version_records_as_datax():
    page = output_records.MultiVersionPage(export_sequence_info=False)
    assert taken(page, PUT) == [("k", 7, None, None, None, "DR"), ("k", 7, "a", 10, 1, "U"), ("k", 7, "b", 10, b"x", "U")]
    assert taken(page, UPDATE) == [("k", 7, "a", 11, 2, "U"), ("k", 7, "b", 10, None, "DO"),
                                   ("k", 7, "c", None, None, "DA")]
    assert taken(page, DELETE) == [("k", 7, None, None, None, "DR")]


def test_a_multi_version_page_holds_its_records_in_order_column_by_column():
    page = output_records.MultiVersionPage(export_sequence_info=False)
    page.add([PUT, UPDATE], "s1")
    page.add([DELETE], "s1")
    records = page.take()
    assert isinstance(records, ColumnarPage) and len(records) == 7
    assert list(records) == taken(page, PUT) + taken(page, UPDATE) + taken(page, DELETE)
    assert records.columns[2] == [None, "a", "b", "a", "b", "c", None]
    assert taken(page) == []  # take() starts a new page


def test_multi_version_sequence_info_sorts_and_names_the_column():
    rows = taken(output_records.MultiVersionPage(export_sequence_info=True), PUT)
    assert rows[0][-1] == "0000000001_00001700000000123456_0000000002_s1"
    assert rows[2][-1] == "0000000001_00001700000000123456_0000000002_s1:0000000001"


def test_single_version_rows_skip_deletes():
    page = output_records.SingleVersionPage(["n", "a", "b", "c"])
    assert taken(page, PUT) == [(7, 1, b"x", None)]
    assert taken(page, UPDATE) == [(7, 2, None, None)]
    assert taken(page, DELETE) == []
