"""Cost as the work grows (issue 23): a large full export and a large stream window, each split in
its own process (as mapped task instances run), printing per run the client CPU per record (the
split processes' CPU in their transfer, ``time.process_time``), the wall time (plan, splits,
commit) and the peak RSS of a split process.

- export: ``--rows`` (default 2,000,000) rows to CSV with 1 and 2 splits, and ``--small``
  (default 100,000) rows with 1 split, so peak RSS from the small to the large table shows;
- stream: a window of ``--changes`` (default 1,000,000) changes over ``--shards`` (default 4)
  shards, multi-version CSV, one split per shard.

The local servers share this machine's cores with the splits: wall times include the server's
work, CPU per record does not. Loading the tables takes longer than the runs.

Run: .venv/bin/python bench/bench_scaled.py [--rows 2000000] [--small 100000] [--changes 1000000] [--shards 4]
     (``make bench`` passes smaller sizes: BENCH_SCALED_ARGS in the Makefile)
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

from bench_client_cpu import STREAM_TABLE, write_changes
from bench_full_export import load_demo_tables
from devstack.connections import DirectConnections
from localcloud.process import LocalCloudProcess
from localcloud.tablestore import control
from tablestore_channels import jobrun
from tablestore_channels.job import JobSpec


def export_job(table: str, concurrent: int, prefix: str) -> JobSpec:
    return JobSpec.from_dict({"type": "job", "configuration": {
        "setting": {"speed": {"concurrent": concurrent}},
        "reader": {"plugin": "ots", "parameter": {"table": table}},
        "writer": {"plugin": "oss", "parameter": {"object": prefix, "writeMode": "truncate", "fileFormat": "csv"}},
    }})


def window_job(start_ms: int, end_ms: int, concurrent: int) -> JobSpec:
    return JobSpec.from_dict({"type": "job", "configuration": {
        "setting": {"speed": {"concurrent": concurrent}},
        "reader": {"plugin": "otsstream", "parameter": {"dataTable": STREAM_TABLE, "startTimestampMillis": start_ms,
                                                        "endTimestampMillis": end_ms, "lagMinutes": 0}},
        "writer": {"plugin": "oss", "parameter": {"object": f"scaled/{start_ms}/", "writeMode": "truncate",
                                                  "fileFormat": "csv"}}}})


def _split(endpoints: dict, spec: JobSpec, run_key: str, descriptor: dict, out) -> None:
    began = time.process_time()
    result = jobrun.run_split(spec, DirectConnections(endpoints), jobrun.RunInfo(run_key, {"run_id": run_key}),
                              descriptor)
    out.put({"result": result, "cpu_s": time.process_time() - began,
             "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})


def run_job(endpoints: dict, spec: JobSpec, run_key: str) -> dict:
    """Plan here, each split in a process of its own at the same time, commit here."""
    connections, run = DirectConnections(endpoints), jobrun.RunInfo(run_key, {"run_id": run_key})
    began = time.perf_counter()
    descriptors = jobrun.plan(spec, connections, run)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_split, args=(endpoints, spec, run_key, d, out)) for d in descriptors]
    for proc in procs:
        proc.start()
    splits = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    results = sorted((s["result"] for s in splits), key=lambda r: r.get("index", 0))
    summary = jobrun.commit(spec, connections, run, results, descriptors[0]["writer"])
    wall = time.perf_counter() - began
    cpu = sum(s["cpu_s"] for s in splits)
    return {"splits": len(descriptors), "read": summary["read"], "wall_s": round(wall, 1),
            "split_cpu_s": round(cpu, 3), "peak_rss_mb": round(max(s["maxrss_kb"] for s in splits) / 1024, 1),
            "written": sum(s["result"]["written"] for s in splits)}


def report(label: str, figures: dict, unit: str) -> None:
    per = figures["split_cpu_s"] / max(figures["read"], 1) * 1e6
    print(f"{label}: {figures['read']:,} {unit} in {figures['splits']} split(s): client CPU {per:.2f} µs/{unit[:-1]}, "
          f"wall {figures['wall_s']} s ({figures['read'] / figures['wall_s']:,.0f} {unit}/s), "
          f"peak RSS of a split {figures['peak_rss_mb']} MB", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="rows of the large exported table")
    parser.add_argument("--small", type=int, default=100_000, help="rows of the small exported table")
    parser.add_argument("--changes", type=int, default=1_000_000, help="changes in the stream window")
    parser.add_argument("--shards", type=int, default=4, help="shards of the stream")
    args = parser.parse_args()
    figures: dict = {}
    with tempfile.TemporaryDirectory() as tmp, LocalCloudProcess(Path(tmp), services=("tablestore", "oss")) as cloud:
        endpoints = cloud.endpoints
        client = DirectConnections(endpoints).tablestore(None)
        load_demo_tables(client, {"scaled_small": args.small, "scaled_large": args.rows})
        small = figures["export_small_1_split"] = run_job(endpoints, export_job("scaled_small", 1, "s/small/"), "small")
        report("CSV export, small table", small, "rows")
        for splits in (1, 2):
            large = figures[f"export_large_{splits}_splits"] = run_job(
                endpoints, export_job("scaled_large", splits, f"s/large{splits}/"), f"large{splits}")
            report(f"CSV export, large table, {splits} split(s)", large, "rows")
        rss = figures["export_large_1_splits"]["peak_rss_mb"] / small["peak_rss_mb"]
        print(f"peak RSS of a split, {args.rows:,} vs {args.small:,} rows: {rss:.2f}x (goal: flat)", flush=True)

        control.set_shard_count(endpoints["tablestore"]["endpoint"], args.shards)
        began = time.perf_counter()
        start_ms = time.time_ns() // 1_000_000
        write_changes(client, args.changes)
        time.sleep(0.01)
        end_ms = time.time_ns() // 1_000_000
        print(f"wrote {args.changes:,} changes over {args.shards} shards in {time.perf_counter() - began:.0f} s",
              file=sys.stderr, flush=True)
        window = figures["stream_window"] = run_job(endpoints, window_job(start_ms, end_ms, args.shards), "window")
        # the changes (stream records) in the window: all the fresh stream holds; "read" counted output records
        window["output_records"] = window["read"]
        window["read"] = sum(s["end"] - s["first"] for s in control.shards(endpoints["tablestore"]["endpoint"],
                                                                             STREAM_TABLE))
        report("stream window (multi-version CSV)", window, "changes")
        print(f"  ({window['output_records']:,} output records)")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
