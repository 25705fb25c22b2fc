"""Full export Tablestore -> OSS (CSV, Parquet): figures for issues 5 and 16.

1. rows/s of one export split vs a raw SDK loop that only reads the pages (target ratio >= 0.8),
   in ``--trials`` trials: each trial runs the raw loop and one export per format side by side
   (order alternating) and prints its ratios; the medians over the trials are the figures;
2. wall time with 1 vs 2 splits, each split in its own process (as mapped task instances run);
3. peak RSS of an export process at ``--small`` vs ``--rows`` rows (target: flat, < 1.2x).

The defaults keep ``make bench`` to a few minutes; issue 16's figures: ``--rows 300000 --small 100000``.

Run: .venv/bin/python bench/bench_full_export.py [--rows 150000] [--small 50000] [--trials 5] [--formats csv,parquet]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

import tablestore

from devstack import demo_data
from devstack.connections import DirectConnections
from localcloud.process import LocalCloudProcess
from tablestore_channels import jobrun
from tablestore_channels.job import JobSpec
from trials import interleaved, load, median_line


def job(table: str, concurrent: int, prefix: str, file_format: str = "csv") -> JobSpec:
    return JobSpec.from_dict({"type": "job", "configuration": {
        "setting": {"speed": {"concurrent": concurrent}},
        "reader": {"plugin": "ots", "parameter": {"table": table}},
        "writer": {"plugin": "oss", "parameter": {"object": prefix, "writeMode": "truncate",
                                                  "fileFormat": file_format}},
    }})


def raw_read(endpoints: dict, table: str) -> tuple[int, float]:
    client = DirectConnections(endpoints).tablestore(None)
    start = [("device_id", tablestore.INF_MIN), ("ts", tablestore.INF_MIN)]
    end = [("device_id", tablestore.INF_MAX), ("ts", tablestore.INF_MAX)]
    rows, began = 0, time.perf_counter()
    while start:
        _, start, page, _ = client.get_range(table, tablestore.Direction.FORWARD, start, end)
        rows += len(page)
    return rows, time.perf_counter() - began


def _export_split(endpoints: dict, spec: JobSpec, descriptor: dict, out) -> None:
    run = jobrun.RunInfo("bench", {"run_id": "bench"})
    result = jobrun.run_split(spec, DirectConnections(endpoints), run, descriptor)
    # result["seconds"]: the transfer loop (read, convert, encode, upload), as the raw loop is timed
    out.put({"rows": result["written"], "seconds": result["seconds"],
             "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})


def export(endpoints: dict, table: str, concurrent: int, prefix: str, file_format: str = "csv") -> dict:
    """Plan in this process, run each split in its own process at the same time, then commit."""
    spec = job(table, concurrent, prefix, file_format)
    run = jobrun.RunInfo("bench", {"run_id": "bench"})
    conns = DirectConnections(endpoints)
    descriptors = jobrun.plan(spec, conns, run)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    began = time.perf_counter()
    procs = [ctx.Process(target=_export_split, args=(endpoints, spec, d, out)) for d in descriptors]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    wall = time.perf_counter() - began
    rows = sum(r["rows"] for r in results)
    transfer = max(r["seconds"] for r in results)  # the splits run side by side
    return {"splits": len(descriptors), "rows": rows, "rows_per_s": round(rows / transfer),
            "transfer_s": round(transfer, 2), "wall_s_with_process_start": round(wall, 2),
            "split_rows_per_s": [round(r["rows"] / r["seconds"]) for r in results],
            "peak_rss_mb": round(max(r["maxrss_kb"] for r in results) / 1024, 1)}


def load_demo_tables(client, counts: dict[str, int]) -> None:
    """(Re)create each table with the demo data's first ``count`` rows."""
    for table, count in counts.items():
        began = time.perf_counter()
        demo_data.create_table(client, table)
        demo_data.load(client, count, table)
        print(f"loaded {count:,} rows into {table} in {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)


def trial(endpoints: dict, formats: list[str], number: int) -> dict:
    """One trial: the raw loop's rows/s (``raw``) and one export of the small table per format."""
    figures: dict = {}

    def raw() -> None:
        rows, seconds = raw_read(endpoints, "bench_small")
        figures["raw"] = rows / seconds

    def exports() -> None:
        for file_format in formats:
            figures[file_format] = export(endpoints, "bench_small", 1, f"bench/{file_format}/", file_format)

    interleaved(number, [raw, exports])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=150_000, help="rows of the large table")
    parser.add_argument("--small", type=int, default=50_000, help="rows of the small table")
    parser.add_argument("--trials", type=int, default=5, help="trials of the export vs raw loop ratio")
    parser.add_argument("--formats", default="csv,parquet", help="file formats exported in each trial")
    args = parser.parse_args()
    formats = args.formats.split(",")
    with tempfile.TemporaryDirectory() as tmp, LocalCloudProcess(Path(tmp), services=("tablestore", "oss")) as cloud:
        endpoints = cloud.endpoints
        client = DirectConnections(endpoints).tablestore(None)
        load_demo_tables(client, {"bench_small": args.small, "bench_large": args.rows})

        ratios: dict[str, list[float]] = {f: [] for f in formats}
        raw_rates: list[float] = []
        for number in range(args.trials):
            figures = trial(endpoints, formats, number)
            raw_rates.append(figures["raw"])
            line = [f"trial {number + 1}: raw GetRange loop {figures['raw']:,.0f} rows/s"]
            for file_format in formats:
                ratios[file_format].append(figures[file_format]["rows_per_s"] / figures["raw"])
                line.append(f"{file_format} export {figures[file_format]['rows_per_s']:,.0f} rows/s "
                            f"= {ratios[file_format][-1]:.3f}")
            print("; ".join(line) + f" (load {load()})", flush=True)
        print(median_line("raw GetRange loop rows/s", raw_rates, 0))
        for file_format in formats:
            print(median_line(f"{file_format} export / raw loop ratio (target >= 0.8)", ratios[file_format]))
        one = figures[formats[0]]
        two = export(endpoints, "bench_small", 2, "bench/two/", formats[0])
        large = export(endpoints, "bench_large", 1, "bench/large/", formats[0])
        summary = {
            "format": formats[0],
            "export_1_split_last_trial": one,
            "export_2_splits": two,
            "speedup_2_vs_1": round(two["rows_per_s"] / one["rows_per_s"], 2),
            "peak_rss_small_mb": one["peak_rss_mb"],
            f"export_{args.rows}_rows": large,
            "rss_ratio_large_vs_small": round(large["peak_rss_mb"] / one["peak_rss_mb"], 3),
        }
        print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
