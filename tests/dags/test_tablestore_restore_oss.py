"""The restore guarantee, end to end through Airflow: a table with every type and awkward values
is exported to OSS (OTSReader -> OSSWriter) in each format, restored into a new table through
the restore DAG (dags/tablestore_restore_oss.py), and both tables, read with GetRange, are identical cell
by cell. A rerun of the restore doubles nothing."""

from __future__ import annotations

import itertools
import math
import struct
from pathlib import Path

import pytest

from devstack.connections import DirectConnections
from tablestore_channels import jobrun
from tablestore_channels.config.job import JobSpec
from tests.support.airflow_runs import run_dag
from tests.support.exports import (
    cloud_connections,
    create_table,
    next_run_date,
    only_manifest,
    oss_bucket,
    ots_client,
    table_rows,
)

ROOT = Path(__file__).resolve().parents[2]
RESTORE_DAG = ROOT / "dags" / "tablestore_restore_oss.py"
SOURCE = "restore_source"

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
        yield endpoints, client


def _cells(client, table: str) -> list:
    """Every row as (key, cells), each value with its exact type (doubles by their bits)."""
    def exact(value):
        return (type(value).__name__, struct.pack("<d", value) if isinstance(value, float) else value)
    return [([(n, exact(v)) for n, v in row.primary_key], [(n, exact(v)) for n, v, _ in row.attribute_columns])
            for row in table_rows(client, table)]


def _export(endpoints: dict, prefix: str, setting: dict | None = None, **writer) -> str:
    """Export the source table with OTSReader -> OSSWriter (in-process: the export DAG has its own
    tests); returns the manifest key."""
    job = JobSpec.from_dict({"type": "job", "configuration": {
        "setting": setting or {}, "reader": {"plugin": "ots", "parameter": {"table": SOURCE}},
        "writer": {"plugin": "oss", "parameter": {"object": prefix, "writeMode": "truncate", **writer}}}})
    conns, run = DirectConnections(endpoints), jobrun.RunInfo(prefix.strip("/").replace("/", "_"), {})
    splits = jobrun.plan(job, conns, run)
    results = [jobrun.run_split(job, conns, run, split) for split in splits]
    return jobrun.commit(job, conns, run, results, splits[0]["writer"])["manifest"].split("/", 3)[3]


def _restore(source: str, table: str, **params):
    run = run_dag(RESTORE_DAG, "tablestore_restore_oss", logical_date=next_run_date(), run_conf={
        "source": source, "table": table, "create_table_if_missing": True,
        "primary_key": [{"name": n, "type": _JOB_TYPES[t]} for n, t in PRIMARY_KEY],
        "columns": [{"name": n, "type": _JOB_TYPES[t]} for n, t in COLUMNS], **params})
    assert run.state == "success"
    return run


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
