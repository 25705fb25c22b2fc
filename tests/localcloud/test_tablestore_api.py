"""The local Tablestore server through the real ``tablestore`` SDK: tables, rows, versions, TTL,
ranges and page cuts, batches, limits, auth (V2 and V4), the async client, faults, restarts."""

from __future__ import annotations

import asyncio
import time

import pytest
from tablestore import (
    INF_MAX,
    INF_MIN,
    AsyncOTSClient,
    BatchGetRowRequest,
    BatchWriteRowRequest,
    CapacityUnit,
    ComparatorType,
    Condition,
    DeleteRowItem,
    OTSClient,
    OTSServiceError,
    PutRowItem,
    ReservedThroughput,
    Row,
    SingleColumnCondition,
    TableInBatchGetRowItem,
    TableInBatchWriteRowItem,
    TableMeta,
    TableOptions,
    UpdateRowItem,
)
from tablestore.retry import NoDelayRetryPolicy

from localcloud.admin import clear_faults, faults, inject_fault


@pytest.fixture(scope="module")
def cloud(local_servers):
    return local_servers("tablestore")


@pytest.fixture(scope="module")
def info(cloud) -> dict:
    return cloud.endpoints["tablestore"]


def make_client(info: dict, cls=OTSClient, **kwargs):
    kwargs.setdefault("retry_policy", NoDelayRetryPolicy())
    return cls(info["endpoint"], kwargs.pop("access_key_id", info["access_key_id"]),
               kwargs.pop("access_key_secret", info["access_key_secret"]),
               kwargs.pop("instance_name", info["instance"]), **kwargs)


@pytest.fixture(scope="module")
def client(info) -> OTSClient:
    return make_client(info)


def create(client, name, schema, options: TableOptions | None = None) -> None:
    client.create_table(TableMeta(name, schema), options or TableOptions(),
                        ReservedThroughput(CapacityUnit(0, 0)))


def now_ms() -> int:
    return int(time.time() * 1000)


def service_error(call, *args, **kwargs) -> OTSServiceError:
    with pytest.raises(OTSServiceError) as info:
        call(*args, **kwargs)
    return info.value


def test_table_lifecycle(client):
    create(client, "life", [("pk", "STRING"), ("n", "INTEGER"), ("b", "BINARY")],
           TableOptions(time_to_live=-1, max_version=2, max_time_deviation=3600))
    assert "life" in client.list_table()
    described = client.describe_table("life")
    assert described.table_meta.schema_of_primary_key == [("pk", "STRING"), ("n", "INTEGER"), ("b", "BINARY")]
    assert (described.table_options.time_to_live, described.table_options.max_version,
            described.table_options.max_time_deviation) == (-1, 2, 3600)
    client.update_table("life", TableOptions(time_to_live=86400 * 2, max_version=5))
    assert client.describe_table("life").table_options.time_to_live == 86400 * 2
    assert client.describe_table("life").table_options.max_version == 5

    error = service_error(create, client, "life", [("pk", "STRING")])
    assert (error.code, error.http_status) == ("OTSObjectAlreadyExist", 409)
    client.delete_table("life")
    assert "life" not in client.list_table()
    for call in (client.describe_table, client.delete_table):
        error = service_error(call, "life")
        assert (error.code, error.http_status) == ("OTSObjectNotExist", 404)


@pytest.mark.parametrize("schema, message", [
    ([("a", "INTEGER")] * 2, "Duplicated"),
    ([(f"p{i}", "INTEGER") for i in range(5)], "number of primary key columns"),
    ([("1bad", "INTEGER")], "Invalid primary key column name"),
])
def test_create_table_schema_limits(client, schema, message):
    error = service_error(create, client, "limits", schema)
    assert error.code == "OTSParameterInvalid" and message in error.message


def test_rows_roundtrip_types_and_conditions(client):
    create(client, "rows", [("pk", "STRING"), ("n", "INTEGER")])
    key = [("pk", "a"), ("n", 1)]
    attributes = [("i", 7), ("s", "héllo"), ("f", 2.5), ("t", True), ("bin", bytearray(b"\x00\x01"))]
    client.put_row("rows", Row(key, attributes), Condition("EXPECT_NOT_EXIST"))
    _, row, _ = client.get_row("rows", key)
    assert row.primary_key == key
    assert [(name, value) for name, value, _ in row.attribute_columns] == [
        ("bin", bytearray(b"\x00\x01")), ("f", 2.5), ("i", 7), ("s", "héllo"), ("t", True)]
    assert all(abs(stamp - now_ms()) < 60_000 for _, _, stamp in row.attribute_columns)

    error = service_error(client.put_row, "rows", Row(key, [("i", 1)]), Condition("EXPECT_NOT_EXIST"))
    assert (error.code, error.http_status) == ("OTSConditionCheckFail", 403)
    missing = [("pk", "zz"), ("n", 0)]
    error = service_error(client.update_row, "rows", Row(missing, {"put": [("i", 1)]}), Condition("EXPECT_EXIST"))
    assert error.code == "OTSConditionCheckFail"
    assert client.get_row("rows", missing)[1] is None

    client.update_row("rows", Row(key, {"put": [("i", 8)], "delete_all": ["s", "f"]}), Condition("EXPECT_EXIST"))
    _, row, _ = client.get_row("rows", key)
    assert [(name, value) for name, value, _ in row.attribute_columns] == [
        ("bin", bytearray(b"\x00\x01")), ("i", 8), ("t", True)]
    # PutRow replaces the whole row.
    client.put_row("rows", Row(key, [("only", 1)]))
    assert [c[0] for c in client.get_row("rows", key)[1].attribute_columns] == ["only"]
    client.delete_row("rows", Row(key), Condition("EXPECT_EXIST"))
    assert client.get_row("rows", key)[1] is None
    assert service_error(client.delete_row, "rows", Row(key), Condition("EXPECT_EXIST")).code == "OTSConditionCheckFail"


def test_versions_max_versions_and_time_range(client):
    create(client, "versions", [("id", "INTEGER")], TableOptions(max_version=3))
    base = now_ms() - 10_000
    for offset in range(4):
        change = {"put": [("c", f"v{offset}", base + offset)]}
        client.update_row("versions", Row([("id", 1)], change), Condition("IGNORE"))
    _, row, _ = client.get_row("versions", [("id", 1)], max_version=10)
    assert row.attribute_columns == [("c", "v3", base + 3), ("c", "v2", base + 2), ("c", "v1", base + 1)]
    assert client.get_row("versions", [("id", 1)], max_version=2)[1].attribute_columns == [
        ("c", "v3", base + 3), ("c", "v2", base + 2)]
    ranged = client.get_row("versions", [("id", 1)], max_version=None, time_range=(base + 1, base + 3))[1]
    assert ranged.attribute_columns == [("c", "v2", base + 2), ("c", "v1", base + 1)]
    specific = client.get_row("versions", [("id", 1)], max_version=None, time_range=base + 2)[1]
    assert specific.attribute_columns == [("c", "v2", base + 2)]
    assert client.get_row("versions", [("id", 1)], max_version=None, time_range=(0, base))[1] is None

    client.update_row("versions", Row([("id", 1)], {"delete": [("c", None, base + 3)]}), Condition("EXPECT_EXIST"))
    assert client.get_row("versions", [("id", 1)])[1].attribute_columns == [("c", "v2", base + 2)]
    _, _, rows, _ = client.get_range("versions", "FORWARD", [("id", INF_MIN)], [("id", INF_MAX)], max_version=5)
    assert rows[0].attribute_columns == [("c", "v2", base + 2), ("c", "v1", base + 1)]
    error = service_error(client.put_row, "versions", Row([("id", 2)], [("c", 1, now_ms() - 3 * 86400_000)]))
    assert error.code == "OTSParameterInvalid" and "deviation" in error.message


def test_ttl_hides_expired_cells_and_rows(client):
    create(client, "ttl", [("id", "INTEGER")], TableOptions(time_to_live=86400, max_time_deviation=5 * 86400))
    old = now_ms() - 2 * 86400_000
    client.put_row("ttl", Row([("id", 1)], [("old", 1, old), ("new", 2)]))
    client.put_row("ttl", Row([("id", 2)], [("old", 1, old)]))
    assert [c[0] for c in client.get_row("ttl", [("id", 1)])[1].attribute_columns] == ["new"]
    assert client.get_row("ttl", [("id", 2)])[1] is None
    _, _, rows, _ = client.get_range("ttl", "FORWARD", [("id", INF_MIN)], [("id", INF_MAX)])
    assert [r.primary_key for r in rows] == [[("id", 1)]]
    # An expired row does not exist for conditions either.
    client.put_row("ttl", Row([("id", 2)], [("again", 1)]), Condition("EXPECT_NOT_EXIST"))


def test_columns_to_get(client):
    create(client, "projection", [("id", "INTEGER")])
    client.put_row("projection", Row([("id", 1)], [("a", 1), ("b", 2), ("c", 3)]))
    client.put_row("projection", Row([("id", 2)], [("c", 3)]))
    assert [c[0] for c in client.get_row("projection", [("id", 1)], ["a", "c"])[1].attribute_columns] == ["a", "c"]
    assert client.get_row("projection", [("id", 2)], ["a"])[1] is None
    _, _, rows, _ = client.get_range("projection", "FORWARD", [("id", INF_MIN)], [("id", INF_MAX)], ["a"])
    assert [(r.primary_key, r.attribute_columns[0][:2]) for r in rows] == [([("id", 1)], ("a", 1))]
    error = service_error(client.get_row, "projection", [("id", 1)], [f"c{i}" for i in range(129)])
    assert error.code == "OTSParameterInvalid"


def batch_put(client, table: str, rows: list[Row]) -> None:
    for first in range(0, len(rows), 200):
        request = BatchWriteRowRequest()
        items = [PutRowItem(r, Condition("IGNORE")) for r in rows[first:first + 200]]
        request.add(TableInBatchWriteRowItem(table, items))
        assert client.batch_write_row(request).is_all_succeed()


def scan(client, table, start, end, direction="FORWARD", **kwargs):
    """All rows of a range, and the number of pages it took."""
    rows, pages = [], 0
    while start is not None:
        _, start, page, _ = client.get_range(table, direction, start, end, **kwargs)
        rows += page
        pages += 1
    return rows, pages


def test_get_range_pages_directions_and_bounds(client):
    create(client, "range", [("g", "INTEGER"), ("s", "STRING")])
    batch_put(client, "range", [Row([("g", i % 3), ("s", f"{i:05d}")], [("v", i)]) for i in range(12_000)])

    _, next_key, page, _ = client.get_range("range", "FORWARD", [("g", INF_MIN), ("s", INF_MIN)],
                                            [("g", INF_MAX), ("s", INF_MAX)])
    assert len(page) == 5000 and next_key == [("g", 1), ("s", "03001")]  # 4000 rows in group 0
    rows, pages = scan(client, "range", [("g", INF_MIN), ("s", INF_MIN)], [("g", INF_MAX), ("s", INF_MAX)])
    assert pages == 3 and len(rows) == 12_000
    keys = [tuple(v for _, v in r.primary_key) for r in rows]
    assert keys == sorted(keys)

    backward, _ = scan(client, "range", [("g", INF_MAX), ("s", INF_MAX)], [("g", INF_MIN), ("s", INF_MIN)], "BACKWARD")
    assert [r.primary_key for r in backward] == [r.primary_key for r in reversed(rows)]

    # [ (1, "00100"), (2, INF_MIN) ): the rest of group 1 from 00100 on.
    middle, _ = scan(client, "range", [("g", 1), ("s", "00100")], [("g", 2), ("s", INF_MIN)])
    assert [r.primary_key[1][1] for r in middle] == [f"{i:05d}" for i in range(100, 12_000) if i % 3 == 1]
    # BACKWARD: (end, start]
    down, _ = scan(client, "range", [("g", 0), ("s", "00009")], [("g", 0), ("s", "00003")], "BACKWARD")
    assert [r.primary_key[1][1] for r in down] == ["00009", "00006"]

    _, next_key, page, _ = client.get_range("range", "FORWARD", [("g", 2), ("s", INF_MIN)],
                                            [("g", INF_MAX), ("s", INF_MAX)], limit=7)
    assert len(page) == 7 and next_key == [("g", 2), ("s", "00023")]
    error = service_error(client.get_range, "range", "FORWARD", [("g", 2), ("s", INF_MIN)], [("g", 1), ("s", INF_MIN)])
    assert error.code == "OTSParameterInvalid"


def test_get_range_cuts_pages_at_4_mb(client):
    create(client, "big", [("id", "INTEGER")])
    value = "x" * 300_000
    for i in range(20):  # 6 MB in all
        client.put_row("big", Row([("id", i)], [("v", value)]))
    _, next_key, page, _ = client.get_range("big", "FORWARD", [("id", INF_MIN)], [("id", INF_MAX)])
    assert len(page) == 13 and next_key == [("id", 13)]  # 13 x 300 KB fits in 4 MB, 14 does not
    rows, pages = scan(client, "big", [("id", INF_MIN)], [("id", INF_MAX)])
    assert (len(rows), pages) == (20, 2)


def test_batch_write_and_get(client):
    create(client, "batch", [("id", "INTEGER")])
    client.put_row("batch", Row([("id", 1)], [("v", 1)]))
    request = BatchWriteRowRequest()
    request.add(TableInBatchWriteRowItem("batch", [
        PutRowItem(Row([("id", 2)], [("v", 2)]), Condition("EXPECT_NOT_EXIST")),
        PutRowItem(Row([("id", 1)], [("v", 9)]), Condition("EXPECT_NOT_EXIST")),  # fails alone
        UpdateRowItem(Row([("id", 3)], {"put": [("v", 3)]}), Condition("IGNORE")),
        DeleteRowItem(Row([("id", 4)]), Condition("IGNORE")),
    ]))
    result = client.batch_write_row(request)
    succeeded, failed = result.get_put()
    assert len(succeeded) == 1 and [(f.error_code, f.is_ok) for f in failed] == [("OTSConditionCheckFail", False)]
    assert not result.is_all_succeed()

    get = BatchGetRowRequest()
    get.add(TableInBatchGetRowItem("batch", [[("id", i)] for i in (1, 2, 3, 4)], max_version=1))
    items = client.batch_get_row(get).get_result_by_table("batch")
    assert [item.is_ok for item in items] == [True] * 4
    assert [item.row.attribute_columns[0][1] if item.row else None for item in items] == [1, 2, 3, None]

    too_many = BatchWriteRowRequest()
    too_many.add(TableInBatchWriteRowItem("batch", [PutRowItem(Row([("id", i)], [("v", i)]), Condition("IGNORE"))
                                                    for i in range(201)]))
    assert service_error(client.batch_write_row, too_many).code == "OTSParameterInvalid"
    twice = BatchWriteRowRequest()
    twice.add(TableInBatchWriteRowItem("batch", [PutRowItem(Row([("id", 5)], [("v", i)]), Condition("IGNORE"))
                                                 for i in range(2)]))
    assert service_error(client.batch_write_row, twice).code == "OTSParameterInvalid"
    get = BatchGetRowRequest()
    get.add(TableInBatchGetRowItem("batch", [[("id", i)] for i in range(101)], max_version=1))
    assert service_error(client.batch_get_row, get).code == "OTSParameterInvalid"

    error = service_error(client.batch_write_row, BatchWriteRowRequest())
    assert (error.code, error.http_status, error.message) == (
        "OTSParameterInvalid", 400, "No row is specified in BatchWriteRow.")
    error = service_error(client.batch_get_row, BatchGetRowRequest())
    assert (error.code, error.message) == ("OTSParameterInvalid", "No row specified in the request of BatchGetRow.")
    # A wrong key fails its row only, as on the service.
    mixed = BatchWriteRowRequest()
    mixed.add(TableInBatchWriteRowItem("batch", [PutRowItem(Row([("id", "x")], [("v", 1)]), Condition("IGNORE")),
                                                 PutRowItem(Row([("id", 6)], [("v", 6)]), Condition("IGNORE"))]))
    result = client.batch_write_row(mixed)
    assert [(r.is_ok, r.error_code) for r in result.get_put_by_table("batch")] == [(False, "OTSInvalidPK"), (True, None)]


def test_limits_and_error_codes(client):
    create(client, "errors", [("pk", "STRING")])
    error = service_error(client.put_row, "errors", Row([("pk", 5)], [("v", 1)]))
    assert (error.code, error.http_status, error.message) == (
        "OTSInvalidPK", 400, "Validate PK type fail. Input: VT_INTEGER, Meta: VT_STRING.")
    error = service_error(client.get_row, "errors", [("other", "a")])
    assert (error.code, error.message) == ("OTSInvalidPK", "Validate PK name fail. Input: other, Meta: pk.")
    error = service_error(client.delete_row, "errors", Row([("pk", "a"), ("extra", 1)]))
    assert (error.code, error.message) == ("OTSInvalidPK", "Validate PK size fail. Input: 2, Meta: 1.")
    assert service_error(client.put_row, "errors", Row([("pk", "k" * 1025)], [("v", 1)])).code == "OTSParameterInvalid"
    client.put_row("errors", Row([("pk", "k" * 1024)], [("v", "x" * (2 * 1024 * 1024))]))
    assert service_error(client.put_row, "errors",
                         Row([("pk", "a")], [("v", "x" * (2 * 1024 * 1024 + 1))])).code == "OTSParameterInvalid"
    assert service_error(client.put_row, "errors", Row([("pk", "a")], [("bad-name", 1)])).code == "OTSParameterInvalid"
    error = service_error(client.get_row, "nope", [("pk", "a")])
    assert (error.code, error.http_status) == ("OTSObjectNotExist", 404)

    condition = Condition("IGNORE", SingleColumnCondition("v", 1, ComparatorType.EQUAL))
    error = service_error(client.put_row, "errors", Row([("pk", "a")], [("v", 1)]), condition)
    assert error.code == "OTSParameterInvalid" and "not supported by localcloud" in error.message
    error = service_error(client.get_range, "errors", "FORWARD", [("pk", INF_MIN)], [("pk", INF_MAX)],
                          column_filter=SingleColumnCondition("v", 1, ComparatorType.EQUAL))
    assert "not supported by localcloud" in error.message
    increment = Row([("pk", "a")], {"increment": [("v", 1)]})
    error = service_error(client.update_row, "errors", increment, Condition("IGNORE"))
    assert "not supported by localcloud" in error.message


def test_auth_failures_and_v4(info):
    for override in ({"access_key_secret": "wrong"}, {"access_key_id": "LTAIunknown"}, {"instance_name": "other"}):
        error = service_error(make_client(info, **override).list_table)
        assert (error.code, error.http_status) == ("OTSAuthFailed", 403)
    v4 = make_client(info, region=info["region"])
    create(v4, "signed_v4", [("id", "INTEGER")])
    v4.put_row("signed_v4", Row([("id", 1)], [("v", "four")]))
    assert v4.get_row("signed_v4", [("id", 1)])[1].attribute_columns[0][1] == "four"
    assert service_error(make_client(info, region="cn-shanghai").list_table).code == "OTSAuthFailed"
    wrong_v4 = make_client(info, region=info["region"], access_key_secret="wrong")
    assert service_error(wrong_v4.list_table).code == "OTSAuthFailed"


def test_async_client(info):
    async def run():
        async with make_client(info, cls=AsyncOTSClient) as client:
            await client.create_table(TableMeta("async_rows", [("id", "INTEGER")]), TableOptions(),
                                      ReservedThroughput(CapacityUnit(0, 0)))
            await asyncio.gather(*(client.put_row("async_rows", Row([("id", i)], [("v", i)])) for i in range(20)))
            _, row, _ = await client.get_row("async_rows", [("id", 3)])
            _, _, rows, _ = await client.get_range("async_rows", "BACKWARD", [("id", INF_MAX)], [("id", INF_MIN)])
            return row, rows

    row, rows = asyncio.run(run())
    assert row.attribute_columns[0][:2] == ("v", 3)
    assert [r.primary_key[0][1] for r in rows] == list(range(19, -1, -1))


def test_faults_are_retried_or_surface(info, client):
    create(client, "faults", [("id", "INTEGER")])
    client.put_row("faults", Row([("id", 1)], [("v", 1)]))
    endpoint = info["endpoint"]
    try:
        inject_fault(endpoint, kind="error", op="GetRow", code="OTSServerBusy", count=3)
        assert client.get_row("faults", [("id", 1)])[1].attribute_columns[0][1] == 1
        inject_fault(endpoint, kind="status", op="GetRange", status=503, count=2)
        assert len(client.get_range("faults", "FORWARD", [("id", INF_MIN)], [("id", INF_MAX)])[2]) == 1
        assert [(r["op"], r["fired"]) for r in faults(endpoint)] == [("GetRow", 3), ("GetRange", 2)]

        inject_fault(endpoint, kind="status", op="PutRow", status=500, count=1)  # writes are not repeatable
        error = service_error(client.put_row, "faults", Row([("id", 2)], [("v", 2)]))
        assert (error.code, error.http_status) == ("OTSInternalServerError", 500)
        inject_fault(endpoint, kind="error", op="GetRow", code="OTSQuotaExhausted", count=1)
        error = service_error(client.get_row, "faults", [("id", 1)])
        assert (error.code, error.http_status) == ("OTSQuotaExhausted", 403)
        assert client.get_row("faults", [("id", 1)])[1] is not None
    finally:
        clear_faults(endpoint)


def test_restart_keeps_everything(cloud, info):
    client = make_client(info)
    create(client, "durable", [("id", "INTEGER")], TableOptions(max_version=3))
    base = now_ms() - 1000
    for version in range(3):
        client.update_row("durable", Row([("id", 1)], {"put": [("c", version, base + version)]}), Condition("IGNORE"))
    batch_put(client, "durable", [Row([("id", i)], [("v", i)]) for i in range(2, 500)])
    client.delete_row("durable", Row([("id", 7)]), Condition("IGNORE"))
    before = scan(client, "durable", [("id", INF_MIN)], [("id", INF_MAX)], max_version=3)[0]

    cloud.restart()
    client = make_client(info)
    after = scan(client, "durable", [("id", INF_MIN)], [("id", INF_MAX)], max_version=3)[0]
    def content(rows):
        return [(r.primary_key, r.attribute_columns) for r in rows]

    assert content(after) == content(before)
    assert client.describe_table("durable").table_options.max_version == 3

    client.put_row("durable", Row([("id", 1000)], [("v", "answered")]))
    cloud.kill()  # as a crash: an answered write must survive it
    cloud.start()
    client = make_client(info)
    assert client.get_row("durable", [("id", 1000)])[1].attribute_columns[0][1] == "answered"


# --- the service's own words, as the SDK's suite checks them (make sdk-suites) -----------------------
def test_errors_carry_the_services_texts(client):
    create(client, "texts", [("pk", "INTEGER")])
    error = service_error(create, client, "texts", [("pk", "INTEGER")])
    assert (error.http_status, error.code, error.message) == (409, "OTSObjectAlreadyExist",
                                                              "Requested table already exists.")
    error = service_error(client.describe_table, "no_such_texts")
    assert (error.code, error.message) == ("OTSObjectNotExist", "Requested table does not exist.")
    error = service_error(create, client, "texts2", [("PK0", "INTEGER"), ("PK0", "STRING")])
    assert error.message == "Duplicated primary key name: 'PK0'."

    low, high = [("pk", 1)], [("pk", 9)]
    for direction, start, end, message in (
            ("FORWARD", high, low, "Begin key must less than end key in FORWARD"),
            ("FORWARD", low, low, "Begin key must less than end key in FORWARD"),
            ("BACKWARD", low, high, "Begin key must more than end key in BACKWARD")):
        error = service_error(client.get_range, "texts", direction, start, end)
        assert (error.http_status, error.code, error.message) == (400, "OTSParameterInvalid", message)
    for limit in (0, -1):
        error = service_error(client.get_range, "texts", "FORWARD", low, high, limit=limit)
        assert error.message == "The limit must be greater than 0."


def test_batches_naming_a_table_without_rows_and_one_row_twice(client):
    create(client, "batch_texts", [("pk", "INTEGER")])
    empty = BatchWriteRowRequest()
    empty.add(TableInBatchWriteRowItem("batch_texts", []))
    error = service_error(client.batch_write_row, empty)
    assert error.message == "No operation is specified for table: 'batch_texts'."
    get = BatchGetRowRequest()
    get.add(TableInBatchGetRowItem("batch_texts", [], max_version=1))
    assert client.batch_get_row(get).get_result_by_table("batch_texts") == []
    # The same row twice in one request fails the whole request, as the BatchWriteRow docs say.
    twice = BatchWriteRowRequest()
    twice.add(TableInBatchWriteRowItem("batch_texts", [
        PutRowItem(Row([("pk", 1)], [("v", 1)]), Condition("IGNORE")), DeleteRowItem(Row([("pk", 1)]), Condition("IGNORE"))]))
    error = service_error(client.batch_write_row, twice)
    assert (error.code, error.message) == ("OTSParameterInvalid", "The input parameter is invalid.")


def test_a_table_lists_no_search_index(client):
    create(client, "searchless", [("pk", "INTEGER")])
    assert client.list_search_index("searchless") == []
    error = service_error(client.list_search_index, "no_such_searchless")
    assert error.code == "OTSObjectNotExist"
    error = service_error(client.describe_search_index, "searchless", "index")
    assert error.code == "OTSParameterInvalid" and "not supported by localcloud" in error.message


def test_write_capacity_is_billed_on_the_data_size(client):
    create(client, "billed", [("PK0", "STRING"), ("PK1", "STRING")])
    key = [("PK0", "a"), ("PK1", "1")]
    key_size = len("PK0a") + len("PK11")
    exactly_4k = [("col0", "X" * (4096 - key_size - len("col0")))]  # PlainBuffer adds tags and CRCs
    consumed, _ = client.update_row("billed", Row(key, {"put": exactly_4k}), Condition("IGNORE"))
    assert (consumed.read, consumed.write) == (0, 1)
    consumed, _ = client.put_row("billed", Row(key, exactly_4k + [("c", "y")]), Condition("IGNORE"))
    assert consumed.write == 2
    consumed, row, _ = client.get_row("billed", key, max_version=1)
    assert (consumed.read, consumed.write) == (2, 0) and row is not None
    client.update_row("billed", Row(key, {"put": exactly_4k, "delete_all": ["c"]}), Condition("IGNORE"))
    consumed, _, _ = client.get_row("billed", key, max_version=1)
    assert consumed.read == 1
