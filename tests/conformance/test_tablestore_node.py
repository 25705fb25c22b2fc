"""The local Tablestore server through the official Node.js SDK (npm tablestore 5.6.5): what that
SDK sends (its PlainBuffer buffers with zero bytes after the row, its protobuf messages with
DescribeTableResponse.table_status required) and what it decodes, call by call. The Stream calls
and ComputeSplitPointsBySize go through the SDK's own request pipeline (see node/lib/ots.js)."""

from __future__ import annotations

import pytest
from google.protobuf.descriptor import FieldDescriptor

from localcloud.tablestore import messages_pb2
from tests.conformance.node_runner import Report, run_node

ACTIVE, INTEGER, STRING = 1, 1, 2
PUT_ROW, UPDATE_ROW, DELETE_ROW = 1, 2, 3


@pytest.fixture(scope="module")
def report(localcloud) -> Report:
    return Report("tablestore.js", run_node("tablestore.js", localcloud.endpoints))


def attrs(row) -> list[tuple]:
    """(name, value) of a decoded row's cells, timestamps left out."""
    return [(name, value) for name, value, _ in row["attrs"]]


def _fields(message) -> dict[int, tuple[str, str]]:
    """Field number -> (type name, label) of a descriptor, in the .proto's words."""
    names = {getattr(FieldDescriptor, n): n[5:].lower() for n in dir(FieldDescriptor) if n.startswith("TYPE_")}
    labels = {FieldDescriptor.LABEL_OPTIONAL: "optional", FieldDescriptor.LABEL_REQUIRED: "required",
              FieldDescriptor.LABEL_REPEATED: "repeated"}
    return {f.number: ((f.message_type or f.enum_type).name if (f.message_type or f.enum_type) else names[f.type],
                       labels[f.label]) for f in message.fields}


def _messages(descriptors, prefix=""):
    for message in descriptors:
        yield prefix + message.name, message
        yield from _messages(message.nested_types, f"{prefix}{message.name}.")


def test_the_servers_messages_agree_with_the_sdks_proto(report):
    # Every field the Node SDK's proto declares has the same number, type and label in the
    # server's own messages.proto (which also has newer fields the SDK lacks).
    bundled = report["bundledProto"]
    compared = set()
    for name, message in _messages(messages_pb2.DESCRIPTOR.message_types_by_name.values()):
        if name not in bundled:
            continue
        ours = _fields(message)
        for number, kind, label in bundled[name]:
            assert ours.get(number) == (kind, label), f"{name} field {number}: SDK {kind} {label}, ours {ours.get(number)}"
        compared.add(name)
    assert {"CreateTableRequest", "DescribeTableResponse", "UpdateTableResponse", "StreamDetails", "ListStreamResponse",
            "DescribeStreamResponse", "GetShardIteratorRequest", "GetStreamRecordResponse.StreamRecord",
            "ComputeSplitPointsBySizeRequest", "ComputeSplitPointsBySizeResponse.SplitLocation"} <= compared


def test_describe_table_has_the_status_the_sdk_requires(report):
    described = report["describeTable"]
    assert described["tableStatus"] == ACTIVE
    assert described["primaryKey"] == [["pk", STRING], ["n", INTEGER]]
    assert (described["maxVersions"], described["timeToLive"]) == (5, -1)
    assert described["stream"]["enabled"] and described["stream"]["hours"] == 24 and described["stream"]["id"]
    assert described["listed"]


def test_row_types_round_trip(report):
    rows = report["rowTypes"]
    assert rows["returned"] == {"pk": [["pk", "types"], ["n", 1]], "attrs": []}  # ReturnType PK
    assert rows["row"]["pk"] == [["pk", "types"], ["n", 1]]
    assert attrs(rows["row"]) == [("b", b"\x00\x01\xff"), ("big", 9007199254740993), ("d", 2.5), ("i", -42),
                                  ("s", "héllo 测试"), ("t", True)]
    assert len({stamp for _, _, stamp in rows["row"]["attrs"]}) == 1  # one write, one timestamp
    assert attrs(rows["some"]) == [("s", "héllo 测试"), ("t", True)]
    assert rows["missing"] is None
    assert rows["again"] == {"status": 403, "code": "OTSConditionCheckFail", "message": "Condition check failed."}


def test_update_row_with_timestamps_and_version_deletes(report):
    # UpdateRow with explicit timestamps and DELETE of one version: the SDK's buffers end in zeros.
    versions = report["updateRowVersions"]
    base = versions["base"]
    assert versions["all"]["attrs"] == [["c", "v3", base + 3], ["c", "v2", base + 2], ["c", "v1", base + 1],
                                        ["c", "v0", base], ["other", "x", base + 5000]]
    assert versions["afterDelete"]["attrs"] == [["c", "v2", base + 2], ["c", "v1", base + 1], ["c", "v0", base],
                                                ["other", "x", base + 5000]]
    assert versions["window"]["attrs"] == [["c", "v2", base + 2]]  # [start, end) in ms
    assert versions["afterDeleteAll"]["attrs"] == [["c", "v2", base + 2], ["c", "v1", base + 1], ["c", "v0", base]]
    assert versions["deleted"] is None


def test_get_range_pages_and_directions(report):
    ranges = report["getRangePaging"]
    expected = sorted(([["g", i % 3], ["s", f"{i:05d}"]] for i in range(450)), key=lambda k: (k[0][1], k[1][1]))
    assert ranges["forward"] == expected
    assert ranges["forwardPages"] == 5  # limit 100: four full pages and the rest
    assert ranges["backward"] == expected[::-1]
    assert ranges["middle"] == [f"{i:05d}" for i in range(100, 450) if i % 3 == 1]
    assert [name for name, *_ in ranges["firstValue"]] == ["v"] and ranges["firstValue"][0][1] == 0


def test_get_range_versions_and_time_range(report):
    versions = report["getRangeVersions"]
    base = versions["base"]
    assert [row["attrs"] for row in versions["versions"]] == [[["m", "m2", base + 2], ["m", "m1", base + 1],
                                                                ["m", "m0", base]]]
    assert [row["attrs"] for row in versions["ranged"]] == [[["m", "m1", base + 1]]]


def test_batch_write_and_get(report):
    batch = report["batchOps"]
    assert [(r["ok"], r["code"]) for r in batch["written"]] == [
        (True, None), (False, "OTSConditionCheckFail"), (True, None), (True, None), (False, "OTSInvalidPK")]
    assert batch["written"][4]["message"] == "Validate PK type fail. Input: VT_STRING, Meta: VT_INTEGER."
    assert [r["ok"] for r in batch["read"]] == [True] * 4
    assert [attrs(r["row"]) if r["row"] else None for r in batch["read"]] == [
        [("v", "one")], [("v", "two")], [("v", "three")], None]


def test_primary_keys_off_the_schema_are_invalid_pk(report):
    errors = report["invalidPrimaryKey"]
    assert errors["name"] == {"status": 400, "code": "OTSInvalidPK",
                              "message": "Validate PK name fail. Input: other, Meta: pk."}
    assert errors["type"] == {"status": 400, "code": "OTSInvalidPK",
                              "message": "Validate PK type fail. Input: VT_INTEGER, Meta: VT_STRING."}
    assert errors["size"] == {"status": 400, "code": "OTSInvalidPK", "message": "Validate PK size fail. Input: 1, Meta: 2."}
    assert errors["range"] == errors["size"]


def test_empty_batch_write_row_is_refused(report):
    # A table without rows, in the service's words (the tablestore Python SDK's own suite checks them).
    assert report["emptyBatchWriteRow"] == {"status": 400, "code": "OTSParameterInvalid",
                                            "message": "No operation is specified for table: 'node_rows'."}


def test_unsupported_features_say_so(report):
    unsupported = report["unsupportedFeatures"]
    for error in unsupported.values():
        assert (error["status"], error["code"]) == (400, "OTSParameterInvalid")
        assert "not supported by localcloud" in error["message"]


def test_split_points_through_the_sdk_pipeline(report):
    split = report["splitPoints"]
    assert split["schema"] == [["id", INTEGER]]
    points = [point[0][1] for point in split["points"]]
    assert all(point == [["id", p]] for point, p in zip(split["points"], points))
    assert points == sorted(points) and points[0] > 0 and points[-1] < 60 and len(points) == 2  # 3 MB in 1 MiB splits
    assert split["locations"] == [["localcloud", len(points) + 1]]
    assert split["empty"]["code"] == "OTSParameterInvalid"


def test_stream_calls_through_the_sdk_pipeline(report):
    stream = report["streamCalls"]
    assert stream["streams"] == [[stream["streamId"], "node_rows"]]
    assert len(stream["shards"]) == 2 and len(set(stream["shards"])) == 2  # paged one shard at a time
    records = stream["records"]
    assert all(r["sequence"] is not None and r["sequence"]["epoch"] == 0 for r in records)
    by_key: dict[tuple, list] = {}
    for record in records:
        by_key.setdefault(tuple(v for _, v in record["pk"]), []).append(record)
    # Within a shard, records come in commit order.
    for shard in stream["shards"]:
        stamps = [(int(r["sequence"]["timestamp"]), r["sequence"]["rowIndex"]) for r in records if r["shard"] == shard]
        assert stamps == sorted(stamps)

    put = by_key[("types", 1)][0]
    assert put["action"] == PUT_ROW
    assert [(c["name"], c["value"]) for c in put["cells"]] == [
        ("s", "héllo 测试"), ("i", -42), ("d", 2.5), ("t", True), ("b", b"\x00\x01\xff"), ("big", 9007199254740993)]
    assert by_key[("types", 1)][-1]["action"] == DELETE_ROW and by_key[("types", 1)][-1]["cells"] == []

    updates = by_key[("versions", 2)]
    assert [r["action"] for r in updates] == [UPDATE_ROW] * 7
    deleted_version, deleted_all = updates[5]["cells"], updates[6]["cells"]
    assert [(c["name"], c.get("op"), "value" in c) for c in deleted_version] == [("c", "DELETE_ONE_VERSION", False)]
    assert [(c["name"], c.get("op"), "timestamp" in c) for c in deleted_all] == [("other", "DELETE_ALL_VERSION", False)]
    assert [r["action"] for r in by_key[("batch", 3)]] == [UPDATE_ROW]
    assert [r["action"] for r in by_key[("batch", 4)]] == [DELETE_ROW]
    assert [c["value"] for r in by_key[("batch", 2)] for c in r["cells"]] == ["two"]
    assert ("batch", 1) in by_key and len(by_key[("batch", 1)]) == 1  # the clashing PUT wrote nothing
    assert stream["badIterator"]["code"] == "OTSParameterInvalid"


def test_table_update_and_delete(report):
    lifecycle = report["tableLifecycle"]
    assert lifecycle["maxVersions"] == 7
    assert (lifecycle["gone"]["status"], lifecycle["gone"]["code"]) == (404, "OTSObjectNotExist")
    assert "node_range" not in lifecycle["listed"]
    assert report["cleanup"] is True
