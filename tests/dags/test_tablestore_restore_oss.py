"""The restore guarantee, end to end through Airflow: a table with every type and awkward values
is exported to OSS (OTSReader -> OSSWriter) in each format, restored into a new table through
the restore DAG (dags/tablestore_restore_oss.py), and both tables, read with GetRange, are identical cell
by cell. A rerun of the restore doubles nothing. An export that changed after it was written (an
object altered or missing) fails the restore before any of its rows is written."""

from __future__ import annotations

import itertools
import math
import struct
import time

import pytest

from devstack.connections import DirectConnections
from tablestore_channels import jobrun
from tablestore_channels.job import JobSpec
from tests.support.airflow_runs import EXAMPLE_DAGS, run_dag
from tests.support.exports import (
    cloud_connections,
    create_table,
    next_run_date,
    only_manifest,
    oss_bucket,
    ots_client,
    table_rows,
    task_states,
)

RESTORE_DAG = EXAMPLE_DAGS / "tablestore_restore_oss.py"
SOURCE = "restore_source"
PLAIN = "restore_plain"  # 900 rows of plain values: more than a BatchWriteRow, in every format

PRIMARY_KEY = [("s", "STRING"), ("i", "INTEGER"), ("b", "BINARY")]
COLUMNS = [("text", "STRING"), ("number", "INTEGER"), ("real", "DOUBLE"), ("flag", "BOOLEAN"), ("blob", "BINARY")]
_JOB_TYPES = {"STRING": "string", "INTEGER": "int", "DOUBLE": "double", "BOOLEAN": "bool", "BINARY": "binary"}

AWKWARD_TEXT = ["", "null", "NULL", "\\N", "a,b", "tab\there", 'say "hi"', '"', "line\nbreak", "cr\r\nlf", "\r",
                "unicode 汉字 é 🙂", "  padded  ", "|", "a|b", "x" * 3000]
DOUBLES = [0.0, -0.0, 0.1, 1 / 3, 5e-324, 1.7976931348623157e308, -2.2250738585072014e-308, math.pi * 1e-300,
           1e16, 123456789.12345679, -1.5]
INTEGERS = [0, -1, 1, 2**63 - 1, -(2**63), 1_780_000_000_000]
BINARIES = [b"", b"\x00", b"\x00\xff\n\r,\"|", bytes(range(256)), struct.pack("<d", math.e)]


def _rows() -> list[tuple[list, list]]:
    """Each awkward value at least once in every attribute column, with some columns absent."""
    rows = []
    count = max(len(AWKWARD_TEXT), len(DOUBLES), len(INTEGERS), len(BINARIES)) * 2
    cycle = itertools.cycle
    for n, text, number, real, blob in zip(range(count), cycle(AWKWARD_TEXT), cycle(INTEGERS), cycle(DOUBLES),
                                           cycle(BINARIES)):
        string_key = f"key,{n % 3}\n\"{n}\"" if n % 4 == 0 else f"key-{n}"
        key = [("s", string_key), ("i", INTEGERS[n % len(INTEGERS)]), ("b", bytearray([n, 0, 255]))]
        attributes = [("text", text), ("number", number), ("real", real), ("flag", n % 3 == 0),
                      ("blob", bytearray(blob))]
        rows.append((key, [cell for k, cell in enumerate(attributes) if (n + k) % 7]))  # some absent: null
    return rows


@pytest.fixture(scope="module")
def cloud(localcloud):
    endpoints = localcloud.endpoints
    with cloud_connections(endpoints):
        client = ots_client(endpoints)
        create_table(client, SOURCE, PRIMARY_KEY, _rows(), defined_columns=COLUMNS)
        create_table(client, PLAIN, PRIMARY_KEY, [
            ([("s", f"k{n:04d}"), ("i", n), ("b", bytearray([n % 256]))],
             [("text", f"t{n}"), ("number", 777_777_000 + n), ("real", n / 8), ("flag", n % 2 == 0),
              ("blob", bytearray(b"\x01\x02"))]) for n in range(900)], defined_columns=COLUMNS)
        yield endpoints, client


def _cells(client, table: str) -> list:
    """Every row as (key, cells), each value with its exact type (doubles by their bits)."""
    def exact(value):
        return (type(value).__name__, struct.pack("<d", value) if isinstance(value, float) else value)
    return [([(n, exact(v)) for n, v in row.primary_key], [(n, exact(v)) for n, v, _ in row.attribute_columns])
            for row in table_rows(client, table)]


def _export(endpoints: dict, prefix: str, setting: dict | None = None, reader: dict | None = None,
            **writer) -> str:
    """Export the source table (or ``reader``'s) with OTSReader -> OSSWriter (in-process: the
    export DAG has its own tests); returns the manifest key."""
    job = JobSpec.from_dict({"type": "job", "configuration": {
        "setting": setting or {}, "reader": {"plugin": "ots", "parameter": reader or {"table": SOURCE}},
        "writer": {"plugin": "oss", "parameter": {"object": prefix, "writeMode": "truncate", **writer}}}})
    conns, run = DirectConnections(endpoints), jobrun.RunInfo(prefix.strip("/").replace("/", "_"), {})
    splits = jobrun.plan(job, conns, run)
    results = [jobrun.run_split(job, conns, run, split) for split in splits]
    return jobrun.commit(job, conns, run, results, splits[0]["writer"])["manifest"].split("/", 3)[3]


def _restore(source: str, table: str, *, succeeds: bool = True, **params):
    run = run_dag(RESTORE_DAG, "tablestore_restore_oss", logical_date=next_run_date(), run_conf={
        "source": source, "table": table, "create_table_if_missing": True,
        "primary_key": [{"name": n, "type": _JOB_TYPES[t]} for n, t in PRIMARY_KEY],
        "columns": [{"name": n, "type": _JOB_TYPES[t]} for n, t in COLUMNS], **params})
    assert run.state == ("success" if succeeds else "failed"), task_states(run)
    return run


def _tries(run, task: str) -> list[tuple[str, int]]:
    """(state, try number) of each task instance of ``task``."""
    return [(str(ti.state), ti.try_number) for ti in run.get_task_instances() if ti.task_id.endswith(task)]


def test_restore_of_csv_is_identical_and_a_rerun_doubles_nothing(cloud):
    endpoints, client = cloud
    manifest = _export(endpoints, "roundtrip/csv/", fileFormat="csv", header=[n for n, _ in PRIMARY_KEY + COLUMNS])
    _restore(manifest, "restored_csv")
    source = _cells(client, SOURCE)
    assert len(source) == len(_rows())
    assert _cells(client, "restored_csv") == source
    _restore(manifest, "restored_csv")  # again, into the now existing table
    assert _cells(client, "restored_csv") == source


def test_restore_of_parquet_is_identical(cloud):
    endpoints, client = cloud
    _restore(_export(endpoints, "roundtrip/parquet/", fileFormat="parquet", suffix=".parquet"), "restored_parquet")
    assert _cells(client, "restored_parquet") == _cells(client, SOURCE)


def test_restore_of_gzipped_csv_by_prefix_with_empty_null_format(cloud):
    """Prefix mode: the format comes from the params; .gz objects are decompressed; with
    nullFormat "" an empty string still differs from null (csv quotes it)."""
    endpoints, client = cloud
    prefix = "roundtrip/csvgz/"
    _export(endpoints, prefix, fileFormat="csv", compress="gzip", fieldDelimiter="\t", nullFormat="", suffix=".csv")
    assert all(o["key"].endswith(".csv.gz") for o in only_manifest(oss_bucket(endpoints), prefix)["objects"])
    _restore(prefix, "restored_csvgz", field_delimiter="\t", null_format="", file_format="csv")
    assert _cells(client, "restored_csvgz") == _cells(client, SOURCE)


def test_restore_of_text_keeps_every_representable_row(cloud):
    """The text format cannot escape delimiters or line breaks: the export marks such rows dirty,
    and every other row comes back identical."""
    endpoints, client = cloud
    prefix = "roundtrip/text/"
    manifest = _export(endpoints, prefix, {"errorLimit": {"record": 1000}}, fileFormat="text", fieldDelimiter="|",
                       nullFormat="\\N")
    _restore(manifest, "restored_text")

    def representable(row) -> bool:
        strings = [v for _, (kind, v) in (*row[0], *row[1]) if kind == "str"]
        return all(not any(c in v for c in "|\r\n") and v != "\\N" for v in strings)
    source = _cells(client, SOURCE)
    expected = [row for row in source if representable(row)]
    assert 0 < len(expected) < len(source)
    assert _cells(client, "restored_text") == expected
    assert only_manifest(oss_bucket(endpoints), prefix)["totals"]["dirty"] == len(source) - len(expected)


def _tampered(data: bytes, file_format: str, compress: str) -> bytes:
    """``data`` changed in its second half, same size: one digit of a plain csv / text object
    (777... -> 778..., as a person editing it would), one flipped byte of a compressed or Parquet one."""
    if file_format == "parquet" or compress == "gzip":
        at = len(data) * 2 // 3
        return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]
    at = data.index(b"7777", len(data) // 2) + 3
    return data[:at] + b"8" + data[at + 1:]


@pytest.mark.timeout(150)  # before the fix a failed split waited for Airflow's retries
@pytest.mark.parametrize(("file_format", "compress"), [("csv", "none"), ("csv", "gzip"), ("text", "none"),
                                                       ("parquet", "none")])
def test_restore_of_a_tampered_object_writes_none_of_its_rows(cloud, capfd, file_format, compress):
    """The object is checked (size and SHA-256) before any of its rows goes to the table."""
    endpoints, client = cloud
    prefix = f"tampered/{file_format}-{compress}/"
    manifest = _export(endpoints, prefix, reader={"table": PLAIN}, fileFormat=file_format, compress=compress,
                       fieldDelimiter="|" if file_format == "text" else ",")
    bucket = oss_bucket(endpoints)
    [entry] = only_manifest(bucket, prefix)["objects"]
    assert entry["rows"] == 900
    bucket.put_object(entry["key"], _tampered(bucket.get_object(entry["key"]).read(), file_format, compress))
    capfd.readouterr()
    target = f"tampered_{file_format}_{compress}"
    run = _restore(manifest, target, succeeds=False, batch_write_count=100)
    assert table_rows(client, target) == []
    assert _tries(run, "transfer") == [("failed", 1)]  # a precondition: not retried
    output = "".join(capfd.readouterr())
    assert f"object oss://{bucket.bucket_name}/{entry['key']} listed in manifest" in output
    assert "changed after the export" in output and "Fix: restore from an intact export" in output


@pytest.mark.timeout(150)
@pytest.mark.parametrize("change", ["missing", "resized"])
def test_restore_of_a_manifest_with_a_missing_or_resized_object_fails_in_the_plan(cloud, capfd, change):
    """The plan checks every listed object; nothing is read, written or retried."""
    endpoints, client = cloud
    prefix = f"incomplete/{change}/"
    manifest = _export(endpoints, prefix, setting={"speed": {"concurrent": 2}},
                       reader={"table": PLAIN, "range": {"split": [{"type": "string", "value": "k0450"}]}},
                       fileFormat="csv")
    bucket = oss_bucket(endpoints)
    objects = only_manifest(bucket, prefix)["objects"]
    assert len(objects) == 2
    gone = objects[1]["key"]
    if change == "missing":
        bucket.delete_object(gone)
        what = "is missing"
    else:
        longer = bucket.get_object(gone).read() + b"k9999,9,AA==,extra,1,0.5,true,\n"
        bucket.put_object(gone, longer)
        what = f"has {len(longer)} bytes, not {objects[1]['bytes']}"
    capfd.readouterr()
    target = f"incomplete_{change}"
    run = _restore(manifest, target, succeeds=False)
    assert _tries(run, "plan") == [("failed", 1)]
    assert task_states(run)["transfer"] == ["upstream_failed"]
    output = "".join(capfd.readouterr())
    assert f"oss://{bucket.bucket_name}/{gone} {what}" in output
    assert f"listed in manifest oss://{bucket.bucket_name}/{manifest}" in output and "Fix: restore from" in output
    assert target not in client.list_table()  # the plan failed before the writer created the table


@pytest.mark.timeout(150)
def test_a_prefix_restores_its_newest_export_of_rows_and_refuses_one_of_cells_only(cloud, capfd):
    """A prefix of backups holds row exports and multi-version (cell) exports; the latest export
    a row restore takes is the newest of rows, and a prefix of cells only is refused, naming the
    point-in-time restore."""
    endpoints, client = cloud
    _export(endpoints, "mixed/rows/", fileFormat="csv")
    time.sleep(1.1)  # OSS's last-modified is to the second: the cell export is strictly newer
    _export(endpoints, "mixed/cells/", reader={"table": SOURCE, "mode": "multiVersion"}, fileFormat="csv")
    _restore("mixed/", "restored_mixed")
    assert _cells(client, "restored_mixed") == _cells(client, SOURCE)
    capfd.readouterr()
    run = _restore("mixed/cells/", "restored_cells", succeeds=False)
    assert _tries(run, "plan") == [("failed", 1)]
    output = "".join(capfd.readouterr())
    assert "are all of cells (mode multiVersion or stream windows" in output
    assert "Fix: restore them with tablestore_restore_point_in_time" in output
    assert "restored_cells" not in client.list_table()
