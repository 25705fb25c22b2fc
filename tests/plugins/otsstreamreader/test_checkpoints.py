"""Stream checkpoints in the status table (:mod:`tablestore_channels.plugins.otsstreamreader.checkpoints`),
against an in-memory Tablestore: DataX's row layout, the marker written last, incomplete sets not
used, GetRange paging, BatchWriteRow batches and their retries, the newest set, deletes."""

from __future__ import annotations

import logging

import pytest
import tablestore
from tablestore import OTSServiceError

from tablestore_channels.plugins.otsstreamreader.checkpoints import (
    FINISHED,
    TTL_SECONDS,
    CheckpointStore,
    ShardPosition,
)
from tablestore_channels.retrying import Retry, ots_retriable

TABLE = "TableStoreStreamReaderStatusTable"
T1, T2, T3 = 1_767_225_600_000, 1_767_225_900_000, 1_767_226_200_000  # window ends, ms
Key = tuple[str, ...]


class FakeTablestore:
    """Tables of rows in primary-key order, in memory, answering the SDK calls the store makes as
    Tablestore does; GetRange pages of at most ``page_rows``. ``batches`` logs each BatchWriteRow
    as [(PUT or DELETE, key, columns)]; ``fail_rows`` are error codes for the next rows written."""

    def __init__(self, page_rows: int = 5000) -> None:
        self.page_rows = page_rows
        self.tables: dict[str, dict[Key, dict]] = {}
        self.created: list[tuple[tablestore.TableMeta, tablestore.TableOptions]] = []
        self.batches: list[list[tuple[str, Key, dict | None]]] = []
        self.fail_rows: list[str] = []
        self.ranges = 0  # GetRange calls
        self.create_calls = 0

    def list_table(self) -> tuple[str, ...]:
        return tuple(self.tables)

    def create_table(self, meta, options, throughput) -> None:
        self.create_calls += 1
        if meta.table_name in self.tables:
            raise OTSServiceError(409, "OTSObjectAlreadyExist", "Requested table already exists.")
        self.tables[meta.table_name] = {}
        self.created.append((meta, options))

    def get_row(self, table: str, primary_key: list, max_version: int = 1, **_) -> tuple:
        columns = self.tables[table].get(_values(primary_key))
        return None, None if columns is None else _row(primary_key, columns), None

    def get_range(self, table: str, direction: str, start: list, end: list, max_version: int = 1,
                  limit: int | None = None, **_) -> tuple:
        self.ranges += 1
        low, high = _values(start), _values(end)
        if direction == tablestore.Direction.FORWARD:
            keys = sorted(k for k in self.tables[table] if low <= k < high)
        else:
            keys = sorted((k for k in self.tables[table] if high < k <= low), reverse=True)
        page = keys[:min(self.page_rows, limit or self.page_rows)]
        following = keys[len(page)] if len(keys) > len(page) else None
        rows = [_row(list(zip(_PK, k)), self.tables[table][k]) for k in page]
        return None, None if following is None else list(zip(_PK, following)), rows, None

    def batch_write_row(self, request: tablestore.BatchWriteRowRequest) -> tablestore.BatchWriteRowResponse:
        [(table, item)] = request.items.items()
        logged, answers = [], []
        for row_item in item.row_items:
            assert row_item.condition.row_existence_expectation == tablestore.RowExistenceExpectation.IGNORE
            key = _values(row_item.row.primary_key)
            if self.fail_rows:
                answers.append(tablestore.BatchWriteRowResponseItem(False, self.fail_rows.pop(0), "throttled", None, None))
                continue
            if isinstance(row_item, tablestore.PutRowItem):
                columns = dict(row_item.row.attribute_columns)
                self.tables[table][key] = columns
                logged.append(("PUT", key, columns))
            else:
                assert isinstance(row_item, tablestore.DeleteRowItem)
                self.tables[table].pop(key, None)
                logged.append(("DELETE", key, None))
            answers.append(tablestore.BatchWriteRowResponseItem(True, "", "", None, None))
        self.batches.append(logged)
        return tablestore.BatchWriteRowResponse(request, {table: answers})


_PK = ("StreamId", "StatusType", "StatusValue")


def _values(primary_key: list) -> Key:
    assert [name for name, _ in primary_key] == list(_PK)
    return tuple(value for _, value in primary_key)


def _row(primary_key: list, columns: dict) -> tablestore.Row:
    return tablestore.Row(primary_key, [(name, value, 1_700_000_000_000) for name, value in columns.items()])


@pytest.fixture
def fake() -> FakeTablestore:
    return FakeTablestore()


def store_of(fake: FakeTablestore, sleeps: list | None = None) -> CheckpointStore:
    retry = Retry(ots_retriable, sleep=(sleeps if sleeps is not None else []).append)
    return CheckpointStore(fake, TABLE, retry)


@pytest.fixture
def store(fake) -> CheckpointStore:
    store = store_of(fake)
    store.ensure_table()
    return store


# --- the table -----------------------------------------------------------------------------------
def test_the_status_table_is_created_with_datax_s_key_a_30_day_ttl_and_one_version(fake):
    store_of(fake).ensure_table()
    [(meta, options)] = fake.created
    assert (meta.table_name, meta.schema_of_primary_key) == (
        TABLE, [("StreamId", "STRING"), ("StatusType", "STRING"), ("StatusValue", "STRING")])
    assert (options.time_to_live, options.max_version) == (TTL_SECONDS, 1) == (30 * 24 * 3600, 1)
    store_of(fake).ensure_table()  # there already: not created again
    assert fake.create_calls == 1


def test_a_table_another_run_creates_at_the_same_time_is_fine_other_errors_are_not(fake):
    fake.list_table = lambda: ()  # listed before the other run created it
    fake.tables[TABLE] = {}
    store_of(fake).ensure_table()
    fake.create_table = _raise(OTSServiceError(403, "OTSQuotaExhausted", "Too many tables."))
    with pytest.raises(OTSServiceError, match="OTSQuotaExhausted"):
        store_of(fake).ensure_table()


def _raise(error: Exception):
    def call(*_args, **_kwargs):
        raise error
    return call


# --- save and load -------------------------------------------------------------------------------
def test_a_set_is_saved_as_datax_lays_it_out_shard_rows_first_and_the_marker_last(store, fake):
    store.save("stream-1", T1, {"shard-b": ShardPosition("iterator-b", 3), "shard-a": FINISHED})
    assert fake.batches == [
        [("PUT", ("stream-1", "CheckpointForDataxReader", "0001767225600000\tshard-a"),
          {"Checkpoint": "SHARD_END", "SkipCount": 0}),
         ("PUT", ("stream-1", "CheckpointForDataxReader", "0001767225600000\tshard-b"),
          {"Checkpoint": "iterator-b", "SkipCount": 3})],
        [("PUT", ("stream-1", "ShardCountForCheck", "0001767225600000"), {"ShardCount": 2})],
    ]
    assert store.load("stream-1", T1) == {"shard-a": FINISHED, "shard-b": ShardPosition("iterator-b", 3)}


def test_each_set_loads_only_its_own_rows(store):
    store.save("stream-1", T1, {"a": ShardPosition("i1"), "b": ShardPosition("i2", 1)})
    store.save("stream-1", T2, {"a": ShardPosition("i3")})
    store.save("stream-2", T1, {"c": FINISHED})
    assert store.load("stream-1", T1) == {"a": ShardPosition("i1"), "b": ShardPosition("i2", 1)}
    assert store.load("stream-1", T2) == {"a": ShardPosition("i3")}
    assert store.load("stream-2", T1) == {"c": FINISHED}
    assert store.load("stream-1", T3) is None  # no set there
    assert store.load("stream-3", T1) is None


def test_a_set_without_its_marker_or_with_shard_rows_missing_is_not_used(store, fake, caplog):
    store.save("stream-1", T1, {"a": ShardPosition("i1"), "b": ShardPosition("i2")})
    del fake.tables[TABLE][("stream-1", "CheckpointForDataxReader", "0001767225600000\tb")]
    with caplog.at_level(logging.WARNING):
        assert store.load("stream-1", T1) is None
    assert "Checkpoint set of stream stream-1 at 1767225600000 is incomplete (1 of 2 shard rows)" in caplog.text
    store.save("stream-1", T2, {"a": ShardPosition("i1")})
    del fake.tables[TABLE][("stream-1", "ShardCountForCheck", "0001767225900000")]  # a commit died before it
    assert store.load("stream-1", T2) is None


def test_a_set_larger_than_a_page_is_read_across_pages(fake):
    fake.page_rows = 2
    store = store_of(fake)
    store.ensure_table()
    positions = {f"shard-{i}": ShardPosition(f"it-{i}", i) for i in range(5)}
    store.save("stream-1", T1, positions)
    fake.ranges = 0
    assert store.load("stream-1", T1) == positions
    assert fake.ranges == 3


def test_a_large_set_goes_in_batches_of_200_rows_before_its_marker(store, fake):
    store.save("stream-1", T1, {f"shard-{i:03d}": ShardPosition(f"it-{i}") for i in range(450)})
    assert [len(batch) for batch in fake.batches] == [200, 200, 50, 1]
    assert fake.batches[-1][0][1] == ("stream-1", "ShardCountForCheck", "0001767225600000")
    assert len(store.load("stream-1", T1)) == 450


def test_a_throttled_row_is_retried_with_its_batch_and_a_refused_one_raises(fake):
    sleeps: list[float] = []
    store = store_of(fake, sleeps)
    store.ensure_table()
    fake.fail_rows = ["OTSServerBusy"]
    store.save("stream-1", T1, {"a": ShardPosition("i1"), "b": ShardPosition("i2")})
    assert sleeps == [0.1]
    assert store.load("stream-1", T1) == {"a": ShardPosition("i1"), "b": ShardPosition("i2")}
    fake.fail_rows = ["OTSParameterInvalid"]
    with pytest.raises(OTSServiceError) as raised:
        store.save("stream-1", T2, {"a": ShardPosition("i1")})
    assert (raised.value.code, sleeps) == ("OTSParameterInvalid", [0.1])
    assert store.load("stream-1", T2) is None  # the marker was never written


# --- the newest set, deletes ---------------------------------------------------------------------
def test_the_newest_set_is_the_newest_marker_of_the_stream(store, fake):
    assert store.newest_time("stream-1") is None
    for time_ms in (T1, T3, T2):
        store.save("stream-1", time_ms, {"a": ShardPosition("i")})
    store.save("stream-2", T3 + 300_000, {"a": ShardPosition("i")})
    assert store.newest_time("stream-1") == T3
    assert store.newest_time("stream-2") == T3 + 300_000


def test_without_a_status_table_there_is_no_newest_set(fake):
    assert store_of(fake).newest_time("stream-1") is None
    assert (fake.created, fake.ranges) == ([], 0)  # not created by asking


def test_a_set_is_deleted_marker_first_and_others_are_kept(store, fake):
    store.save("stream-1", T1, {"a": ShardPosition("i1"), "b": FINISHED})
    store.save("stream-1", T2, {"a": ShardPosition("i3")})
    fake.batches.clear()
    assert store.delete("stream-1", T1) == 2
    assert fake.batches == [
        [("DELETE", ("stream-1", "ShardCountForCheck", "0001767225600000"), None)],
        [("DELETE", ("stream-1", "CheckpointForDataxReader", "0001767225600000\ta"), None),
         ("DELETE", ("stream-1", "CheckpointForDataxReader", "0001767225600000\tb"), None)],
    ]
    assert store.load("stream-1", T1) is None
    assert store.load("stream-1", T2) == {"a": ShardPosition("i3")}
    assert store.newest_time("stream-1") == T2


def test_a_position_round_trips_through_json():
    assert ShardPosition.from_json(ShardPosition("it", 7).to_json()) == ShardPosition("it", 7)
    assert ShardPosition.from_json(FINISHED.to_json()).finished
    assert not ShardPosition("it").finished
