"""Helpers of the export tests (Tablestore -> OSS): Airflow connections to the local servers, job
dicts, running a job through Airflow, and reading back what it wrote (with oss2) and what the
table holds (with the Tablestore SDK). Fixtures are in tests/conftest.py."""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import itertools
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import oss2
import pendulum
import pytest
import tablestore
from tablestore.retry import NoDelayRetryPolicy

from devstack.connections import as_environment
from tablestore_channels.ots_client.client import TablestoreClient
from tests.support.airflow_runs import EXAMPLE_DAGS, run_dag

ROOT = Path(__file__).resolve().parents[2]
JOB_DAG = ROOT / "tests" / "fixtures" / "dags" / "channel_job.py"
EXPORT_DAG = EXAMPLE_DAGS / "tablestore_full_export_oss.py"

# Every run gets its own logical date (the run's identity) unless a test reruns one on purpose.
_RUN_DATES = (pendulum.datetime(2031, 1, 1, tz="UTC").add(hours=n) for n in itertools.count())


def next_run_date() -> pendulum.DateTime:
    return next(_RUN_DATES)


@contextmanager
def cloud_connections(endpoints: dict) -> Iterator[None]:
    """``tablestore_default`` and ``oss_default`` pointing at the local servers (module scope)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in as_environment(endpoints).items():
            patch.setenv(name, value)
        yield


def ots_client(endpoints: dict) -> TablestoreClient:
    ts = endpoints["tablestore"]
    return TablestoreClient(ts["endpoint"], ts["access_key_id"], ts["access_key_secret"], ts["instance"],
                            retry_policy=NoDelayRetryPolicy())


def oss_bucket(endpoints: dict, name: str | None = None) -> oss2.Bucket:
    oss = endpoints["oss"]
    return oss2.Bucket(oss2.Auth(oss["access_key_id"], oss["access_key_secret"]), oss["endpoint"],
                       name or oss["bucket"])


# strings a writer must keep exactly: delimiter, quote, line break, empty, the null text, non-ASCII
NAMES = ["plain", "with,comma", 'with "quote"', "multi\nline", "", "null", "汉字"]


def sample_rows(count: int) -> list[tuple[list, list]]:
    """Rows keyed ``id`` (STRING) with every attribute type; every 5th row lacks some cells."""
    rows = []
    for i in range(count):
        attrs = [("name", NAMES[i % len(NAMES)]), ("n", i * 7 - 50), ("score", i / 3), ("flag", i % 2 == 0),
                 ("blob", bytearray([i, 255 - i, 0]))]
        if i % 5 == 0:
            attrs = attrs[:2]  # score, flag, blob missing -> null
        rows.append(([("id", f"id{i:03d}")], attrs))
    return rows


def create_table(client: TablestoreClient, name: str, primary_key: Sequence[tuple[str, str]],
                 rows: Sequence[tuple[list, list]], *, max_version: int = 1,
                 defined_columns: Sequence[tuple[str, str]] = ()) -> None:
    """(Re)create ``name`` and write ``rows`` ((pk, attributes) pairs; an attribute may carry a
    timestamp as its third item) with BatchWriteRow."""
    if name in client.list_table():
        client.delete_table(name)
    meta = tablestore.TableMeta(name, list(primary_key), defined_columns=list(defined_columns))
    client.create_table(meta, tablestore.TableOptions(time_to_live=-1, max_version=max_version),
                        tablestore.ReservedThroughput(tablestore.CapacityUnit(0, 0)))
    for start in range(0, len(rows), 200):
        request = tablestore.BatchWriteRowRequest()
        request.add(tablestore.TableInBatchWriteRowItem(name, [
            tablestore.PutRowItem(tablestore.Row(pk, attrs),
                                  tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE))
            for pk, attrs in rows[start:start + 200]]))
        result = client.batch_write_row(request)
        assert not result.get_failed_of_put(), [r.error_message for r in result.get_failed_of_put()]


def table_rows(client: TablestoreClient, table: str, start: list | None = None, end: list | None = None,
               direction: str = tablestore.Direction.FORWARD, **kwargs) -> list:
    """Every row of ``table`` (or of a range) read with the SDK, following the pages."""
    if start is None:
        pk = client.describe_table(table).table_meta.schema_of_primary_key
        start = [(n, tablestore.INF_MIN) for n, *_ in pk]
        end = [(n, tablestore.INF_MAX) for n, *_ in pk]
    rows = []
    while start:
        _, start, page, _ = client.get_range(table, direction, start, end, **kwargs)
        rows.extend(page)
    return rows


def job(reader: dict, writer: dict, setting: dict | None = None) -> dict:
    """A script-mode job: ``ots`` reader, ``oss`` writer."""
    return {"type": "job", "version": "1.0", "configuration": {
        "setting": setting or {}, "reader": {"plugin": "ots", "parameter": reader},
        "writer": {"plugin": "oss", "parameter": writer}}}


def run_job(job_dict: dict, run_date: pendulum.DateTime | None = None):
    """Run ``job_dict`` through Airflow (tests/dags/channel_job.py); returns the DagRun. The same
    ``run_date`` means the same run: a rerun replaces the DagRun and keeps its run id."""
    when = run_date or next_run_date()
    return run_dag(JOB_DAG, "channel_job", run_conf={"job": job_dict}, logical_date=when, run_after=when)


def export(target: oss2.Bucket, reader: dict, prefix: str, setting: dict | None = None,
           run_date: pendulum.DateTime | None = None, **writer) -> tuple[dict, list[list[str]]]:
    """Run a successful export (csv, truncate unless ``writer`` says otherwise) to ``prefix`` of
    the ``target`` bucket; returns its manifest (the newest one) and the fields of its lines."""
    params = {"object": prefix, "writeMode": "truncate", "fileFormat": "csv", **writer}
    dag_run = run_job(job(reader, params, setting), run_date)
    assert dag_run.state == "success", task_states(dag_run)
    found = manifests(target, prefix)
    if params["writeMode"] == "truncate":
        assert len(found) == 1, [m["run_key"] for m in found]
    manifest = max(found, key=lambda m: m["run_key"])
    return manifest, delimited_rows(target, manifest)


def task_states(dag_run) -> dict[str, list[str]]:
    """task_id -> states of its task instances (one per map index), with their try numbers."""
    states: dict[str, list[str]] = {}
    for ti in sorted(dag_run.get_task_instances(), key=lambda t: (t.task_id, t.map_index)):
        states.setdefault(ti.task_id.rsplit(".", 1)[-1], []).append(str(ti.state))
    return states


def listing(bucket: oss2.Bucket, prefix: str = "") -> dict[str, bytes]:
    """key -> content of every object under ``prefix``."""
    return {o.key: bucket.get_object(o.key).read() for o in oss2.ObjectIteratorV2(bucket, prefix=prefix)}


def manifests(bucket: oss2.Bucket, prefix: str) -> list[dict]:
    return [json.loads(bucket.get_object(o.key).read())
            for o in oss2.ObjectIteratorV2(bucket, prefix=prefix) if o.key.endswith("manifest.json")]


def only_manifest(bucket: oss2.Bucket, prefix: str) -> dict:
    found = manifests(bucket, prefix)
    assert len(found) == 1, [m["run_key"] for m in found]
    return found[0]


def object_bytes(bucket: oss2.Bucket, entry: dict) -> bytes:
    """One data object of a manifest, checked against the manifest's size and checksum."""
    data = bucket.get_object(entry["key"]).read()
    assert len(data) == entry["bytes"] and hashlib.sha256(data).hexdigest() == entry["sha256"], entry["key"]
    return data


def delimited_rows(bucket: oss2.Bucket, manifest: dict) -> list[list[str]]:
    """Every data line of a csv/text export, split into fields (header lines dropped)."""
    fmt = manifest["format"]
    out: list[list[str]] = []
    for entry in manifest["objects"]:
        data = object_bytes(bucket, entry)
        if fmt["compress"] == "gzip":
            data = gzip.decompress(data)
        text = data.decode(fmt["encoding"])
        if fmt["fileFormat"] == "csv":
            lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=fmt["fieldDelimiter"]))
        else:
            lines = [line.split(fmt["fieldDelimiter"]) for line in text.split("\n")[:-1]]
        if fmt["header"]:
            lines = lines[1:]
        assert len(lines) == entry["rows"], entry
        out.extend(lines)
    return out


def render(value: Any, null: str = "null") -> str:
    """How the delimited formats write a value (independent of the code under test)."""
    if value is None:
        return null
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def expected_lines(rows: list, columns: Sequence[str], null: str = "null") -> list[list[str]]:
    """The fields the export of ``columns`` of SDK ``rows`` should hold."""
    out = []
    for row in rows:
        values = dict(row.primary_key)
        values.update((name, value) for name, value, *_ in row.attribute_columns)
        out.append([render(values.get(c), null) for c in columns])
    return out
