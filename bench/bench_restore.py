"""Restore OSS -> Tablestore (OSSReader -> OTSWriter): rows/s of one restore split vs a raw SDK
loop that writes the same rows with BatchWriteRow (target ratio >= 0.8).

The demo table is exported to OSS once per format (OTSReader -> OSSWriter, one split); the
restore then reads the export's manifest and writes a new table with PutRow in batches of 200.
The raw loop writes rows already in memory (read from the source table beforehand) in batches
of 200 into another new table: no reading, no parsing, no conversion.

Run: .venv/bin/python bench/bench_restore.py [--rows 50000] [--formats csv,parquet] [--trials 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import tablestore

from devstack import demo_data
from devstack.connections import DirectConnections
from localcloud.process import LocalCloudProcess
from tablestore_channels import jobrun
from tablestore_channels.job import JobSpec

_JSON_TYPES = {"STRING": "string", "INTEGER": "int", "DOUBLE": "double", "BOOLEAN": "bool", "BINARY": "binary"}
BATCH = 200


def _run(spec: JobSpec, conns: DirectConnections, run_key: str) -> dict:
    run = jobrun.RunInfo(run_key, {"run_id": run_key})
    descriptors = jobrun.plan(spec, conns, run)
    results = [jobrun.run_split(spec, conns, run, d) for d in descriptors]
    return jobrun.commit(spec, conns, run, results, descriptors[0]["writer"])


def export(conns: DirectConnections, file_format: str) -> str:
    """Export the demo table; returns the manifest key."""
    spec = JobSpec.from_dict({"type": "job", "configuration": {
        "reader": {"plugin": "ots", "parameter": {"table": demo_data.TABLE}},
        "writer": {"plugin": "oss", "parameter": {"object": f"bench/{file_format}/", "writeMode": "truncate",
                                                   "fileFormat": file_format}}}})
    return _run(spec, conns, f"export_{file_format}")["manifest"].split("/", 3)[3]


def restore(conns: DirectConnections, manifest: str, table: str) -> tuple[int, float]:
    spec = JobSpec.from_dict({"type": "job", "configuration": {
        "reader": {"plugin": "oss", "parameter": {"manifest": manifest}},
        "writer": {"plugin": "ots", "parameter": {
            "table": table, "createTableIfMissing": True, "batchWriteCount": BATCH,
            "primaryKey": [{"name": n, "type": _JSON_TYPES[t]} for n, t in demo_data.PRIMARY_KEY],
            "column": [{"name": n, "type": _JSON_TYPES[t]} for n, t in demo_data.COLUMNS]}}}})
    began = time.perf_counter()
    summary = _run(spec, conns, f"restore_{table}")
    return summary["rows"], time.perf_counter() - began


def source_rows(client) -> list[tuple[list, list]]:
    start = [(n, tablestore.INF_MIN) for n, _ in demo_data.PRIMARY_KEY]
    end = [(n, tablestore.INF_MAX) for n, _ in demo_data.PRIMARY_KEY]
    rows = []
    while start:
        _, start, page, _ = client.get_range(demo_data.TABLE, tablestore.Direction.FORWARD, start, end)
        rows += [(r.primary_key, [(n, v) for n, v, _ in r.attribute_columns]) for r in page]
    return rows


def raw_write(client, rows: list[tuple[list, list]], table: str) -> tuple[int, float]:
    """The baseline: BatchWriteRow of ready-made rows, 200 at a time, one request after another."""
    demo_data.create_table(client, table)
    condition = tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE)
    began = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        request = tablestore.BatchWriteRowRequest()
        request.add(tablestore.TableInBatchWriteRowItem(table, [
            tablestore.PutRowItem(tablestore.Row(pk, attrs), condition) for pk, attrs in rows[i:i + BATCH]]))
        result = client.batch_write_row(request)
        if result.get_failed_of_put():
            raise RuntimeError("raw loop: rows failed")
    return len(rows), time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--formats", default="csv,parquet")
    parser.add_argument("--trials", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, LocalCloudProcess(Path(tmp), services=("tablestore", "oss")) as cloud:
        conns = DirectConnections(cloud.endpoints)
        client = conns.tablestore(None)
        demo_data.create_table(client)
        demo_data.load(client, args.rows)
        rows = source_rows(client)
        print(f"{len(rows)} rows of {demo_data.TABLE}; writes in batches of {BATCH}")
        for file_format in args.formats.split(","):
            manifest = export(conns, file_format)
            raw_rate = rate = 0.0
            for trial in range(args.trials):  # alternated, best of each: the machine may be shared
                raw_count, raw_seconds = raw_write(client, rows, f"raw_{file_format}_{trial}")
                count, seconds = restore(conns, manifest, f"restored_{file_format}_{trial}")
                raw_rate, rate = max(raw_rate, raw_count / raw_seconds), max(rate, count / seconds)
            print(f"{file_format:<8} restore {rate:>8,.0f} rows/s   raw batch_write_row {raw_rate:>8,.0f} rows/s   "
                  f"ratio {rate / raw_rate:.2f}   (best of {args.trials}, {len(rows)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
