"""Full export end to end through Airflow: every OTSReader parameter, output compared with the
table read through the Tablestore SDK."""

from __future__ import annotations

import base64
import collections
import io
import time

import pyarrow.parquet as pq
import pytest
import tablestore
from tablestore import INF_MAX, INF_MIN

from tests.support.exports import (  # client and bucket are module fixtures on `cloud`
    NAMES,
    cloud_connections,
    create_table,
    expected_lines,
    export,
    job,
    object_bytes,
    only_manifest,
    ots_client,
    render,
    run_job,
    sample_rows,
    table_rows,
    task_states,
)

# cell versions (ms) must lie within a day of now
T0 = (int(time.time()) // 3600 - 1) * 3_600_000
VERSIONS = (T0 + 1000, T0 + 2000, T0 + 3000)
def _multi_rows() -> list:
    return [([("region", f"r{r}"), ("seq", s), ("tag", bytearray([t]))], [("v", r * 100 + s * 10 + t)])
            for r in range(4) for s in range(4) for t in (1, 2)]


@pytest.fixture(scope="module")
def cloud(localcloud):
    endpoints = localcloud.endpoints
    client = ots_client(endpoints)
    create_table(client, "rd_single", [("id", "STRING")], sample_rows(30))
    create_table(client, "rd_multi", [("region", "STRING"), ("seq", "INTEGER"), ("tag", "BINARY")], _multi_rows())
    create_table(client, "rd_ints", [("k", "INTEGER")], [([("k", k)], [("v", f"v{k}")]) for k in range(-5, 25)])
    create_table(client, "rd_versions", [("id", "STRING")], [], max_version=5)
    for i in range(5):
        for ts in VERSIONS:  # one version per write: a row holds one version of a column
            client.update_row("rd_versions", tablestore.Row([("id", f"id{i}")], {
                "put": [(c, f"{c}-{i}-{ts}", ts) for c in ("c1", "c2")]}),
                tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE))
    with cloud_connections(endpoints):
        yield endpoints


def _pk(names, values):
    return list(zip(names, values))


MULTI_PK = ["region", "seq", "tag"]


def test_columns_by_name_and_constants_keep_the_listed_order(bucket, client):
    columns = [{"name": "n"}, {"type": "string", "value": "X,Y"}, {"name": "id"}, {"type": "int", "value": "7"},
               {"name": "absent"}, {"type": "double", "value": "1.5"}, {"name": "blob"},
               {"type": "bool", "value": "true"}, {"type": "binary", "value": "AQI="}, {"name": "name"},
               {"name": "score"}, {"name": "flag"}]
    manifest, lines = export(bucket, {"table": "rd_single", "column": columns}, "rd/columns/")
    expected = [[n, "X,Y", i, "7", a, "1.5", blob, "true", "AQI=", name, score, flag]
                for n, i, a, blob, name, score, flag in expected_lines(
                    table_rows(client, "rd_single"), ["n", "id", "absent", "blob", "name", "score", "flag"])]
    assert lines == expected
    assert len(lines) == 30 and manifest["totals"]["rows"] == 30 and manifest["read"] == 30
    assert manifest["format"]["columns"][:3] == ["n", "const_1", "id"]
    # spot checks of the rendering itself: base64 binaries, null for missing cells, exact strings
    assert lines[1][6] == base64.b64encode(bytes([1, 254, 0])).decode() and lines[0][6] == "null"
    assert {line[9] for line in lines} == set(NAMES)


@pytest.mark.parametrize(("begin", "end", "start", "stop"), [
    pytest.param([{"type": "string", "value": "r1"}], [{"type": "string", "value": "r3"}],
                 ["r1", INF_MIN, INF_MIN], ["r3", INF_MAX, INF_MAX], id="prefix"),
    pytest.param([{"type": "string", "value": "r1"}, {"type": "int", "value": "2"}, {"type": "binary", "value": "Ag=="}],
                 [{"type": "string", "value": "r2"}, {"type": "int", "value": 1}, {"type": "INF_MIN"}],
                 ["r1", 2, bytearray(b"\x02")], ["r2", 1, INF_MIN], id="string-int-binary"),
    pytest.param([{"type": "INF_MIN"}], [{"type": "string", "value": "r1"}, {"type": "INF_MAX"}],
                 [INF_MIN, INF_MIN, INF_MIN], ["r1", INF_MAX, INF_MAX], id="inf-min-to-prefix"),
    pytest.param([{"type": "string", "value": "r2"}, {"type": "int", "value": "1"}], [{"type": "INF_MAX"}],
                 ["r2", 1, INF_MIN], [INF_MAX, INF_MAX, INF_MAX], id="two-of-three-to-inf-max"),
])
def test_forward_range_on_a_three_column_key(bucket, client, begin, end, start, stop, request):
    reader = {"table": "rd_multi", "column": [{"name": n} for n in (*MULTI_PK, "v")],
              "range": {"begin": begin, "end": end}}
    _, lines = export(bucket, reader, f"rd/range-{request.node.callspec.id}/")
    rows = table_rows(client, "rd_multi", _pk(MULTI_PK, start), _pk(MULTI_PK, stop))
    assert lines == expected_lines(rows, [*MULTI_PK, "v"])
    assert 0 < len(lines) < 32


def test_backward_range_reads_in_descending_order(bucket, client):
    reader = {"table": "rd_multi", "column": [{"name": n} for n in (*MULTI_PK, "v")],
              "range": {"begin": [{"type": "string", "value": "r2"}, {"type": "int", "value": 2}],
                        "end": [{"type": "string", "value": "r0"}]}}
    _, lines = export(bucket, reader, "rd/backward/")
    rows = table_rows(client, "rd_multi", _pk(MULTI_PK, ["r2", 2, INF_MAX]), _pk(MULTI_PK, ["r0", INF_MIN, INF_MIN]),
                      tablestore.Direction.BACKWARD)
    assert lines == expected_lines(rows, [*MULTI_PK, "v"])
    assert lines[0][:2] == ["r2", "2"] and lines[-1][0] == "r0"


@pytest.mark.parametrize(("concurrent", "per_split"), [
    pytest.param(3, {0: 8, 1: 16, 2: 8}, id="one-split-per-piece"),  # r0 | r1, r2 | r3
    pytest.param(2, {0: 8, 1: 24}, id="packed"),  # r0 | r1, r2 + r3: at most `concurrent` splits
])
def test_explicit_split_points_cut_the_whole_range_into_at_most_concurrent_splits(bucket, client, concurrent,
                                                                                   per_split, request):
    reader = {"table": "rd_multi", "column": [{"name": n} for n in (*MULTI_PK, "v")],
              "range": {"split": [{"type": "string", "value": "r1"}, {"type": "string", "value": "r2a"}]}}
    manifest, lines = export(bucket, reader, f"rd/split-{request.node.callspec.id}/",
                             {"speed": {"concurrent": concurrent}})
    assert lines == expected_lines(table_rows(client, "rd_multi"), [*MULTI_PK, "v"])  # split order = key order
    assert collections.Counter(o["split"] for o in manifest["objects"] for _ in range(o["rows"])) == per_split


def test_backward_split_on_an_integer_key(bucket, client):
    reader = {"table": "rd_ints", "column": ["k", "v"],
              "range": {"begin": [{"type": "int", "value": 20}], "end": [{"type": "int", "value": -3}],
                        "split": [{"type": "int", "value": 10}, {"type": "int", "value": 0}]}}
    manifest, lines = export(bucket, reader, "rd/int-split/", {"speed": {"concurrent": 3}})
    assert [int(k) for k, _ in lines] == list(range(20, -3, -1))
    assert lines == expected_lines(table_rows(client, "rd_ints", [("k", 20)], [("k", -3)],
                                              tablestore.Direction.BACKWARD), ["k", "v"])
    assert len({o["split"] for o in manifest["objects"]}) == 3


@pytest.mark.parametrize(("extra", "kwargs"), [
    pytest.param({}, {"max_version": 5}, id="all-versions"),
    pytest.param({"maxVersion": 2}, {"max_version": 2}, id="maxVersion"),
    pytest.param({"timeRange": {"begin": T0 + 1500, "end": T0 + 3500}},
                 {"time_range": (T0 + 1500, T0 + 3500), "max_version": 5}, id="timeRange"),
    pytest.param({"timeRange": {"begin": "0", "end": str(T0 + 2500)}, "maxVersion": "1"},
                 {"time_range": (0, T0 + 2500), "max_version": 1}, id="both"),
])
def test_multi_version_emits_one_record_per_cell_version(bucket, client, extra, kwargs, request):
    reader = {"table": "rd_versions", "mode": "multiVersion", **extra}
    manifest, lines = export(bucket, reader, f"rd/versions-{request.node.callspec.id}/")
    expected = [[render(row.primary_key[0][1]), name, str(ts), render(value)]
                for row in table_rows(client, "rd_versions", **kwargs)
                for name, value, ts in row.attribute_columns]
    assert lines == expected and expected
    assert manifest["format"]["columns"] == ["id", "column", "timestamp", "value"]


def test_multi_version_with_selected_columns_to_parquet(bucket, client):
    reader = {"table": "rd_versions", "mode": "multiVersion", "column": [{"name": "c2"}],
              "timeRange": {"begin": T0 + 2000, "end": T0 + 4000}}
    dag_run = run_job(job(reader, {"object": "rd/versions-parquet/", "writeMode": "truncate", "fileFormat": "parquet"}))
    assert dag_run.state == "success", task_states(dag_run)
    manifest = only_manifest(bucket, "rd/versions-parquet/")
    table = pq.read_table(io.BytesIO(object_bytes(bucket, manifest["objects"][0])))
    got = list(zip(*(table.column(n).to_pylist() for n in ("id", "column", "timestamp", "value"))))
    assert got == [(row.primary_key[0][1], n, ts, v)
                   for row in table_rows(client, "rd_versions", columns_to_get=["c2"], time_range=(T0 + 2000, T0 + 4000),
                                         max_version=5)
                   for n, v, ts in row.attribute_columns]
    assert {c for _, c, _, _ in got} == {"c2"} and len(got) == 10
