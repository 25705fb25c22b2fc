"""Full export of the demo table on the stack of ``make cluster`` (two Celery workers with two task
slots each, postgres, redis, the local servers): figures for issue 13.

1. wall time of the DAG tablestore_full_export_oss with 1, 2 and 4 splits, triggered through the
   REST API: the run (queued to done: scheduling and the four task waves), plan to commit, and
   the transfer phase (first transfer start to last transfer end: each task process's start,
   about 10 s here, is in it) and the slowest split's transfer loop alone; rows per split;
2. max/min rows per split of OTSReader's automatic plan at 2, 4 and 8 (counted from the rows
   written, see devstack.demo_data.rows_per_split).

Run: .venv/bin/python bench/bench_cluster.py [--rows 300000]   (make bench runs it)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import psutil

from devstack import demo_data
from devstack.cluster import write_env_file
from devstack.cluster_client import AirflowApi, ClusterProcess
from devstack.connections import DirectConnections
from tablestore_channels.plugins.otsreader.config import OTSReaderConfig
from tablestore_channels.plugins.otsreader.reader import OTSRangeReader

ROOT = Path(__file__).resolve().parents[1]
DAG_ID = "tablestore_full_export_oss"


def _seconds(start: str, end: str) -> float:
    return round((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds(), 1)


def export(api: AirflowApi, splits: int, localcloud: psutil.Process) -> dict:
    cpu = sum(localcloud.cpu_times()[:2])
    run_id = api.trigger(DAG_ID, {"table": demo_data.TABLE, "concurrent": splits, "object": f"bench/{splits}/"})
    assert api.wait(DAG_ID, run_id, timeout=3600) == "success", api.task_instances(DAG_ID, run_id)
    run = api.call("GET", f"dags/{DAG_ID}/dagRuns/{run_id}")
    transfers = api.task_instances(DAG_ID, run_id, "transfer")
    (commit,) = api.task_instances(DAG_ID, run_id, "commit")
    results = [api.result(DAG_ID, run_id, ti) for ti in sorted(transfers, key=lambda t: t["map_index"])]
    return {
        "splits": len(transfers), "rows_per_split": [r["written"] for r in results],
        "run_wall_s": _seconds(run["queued_at"], run["end_date"]),
        "plan_to_commit_s": api.result(DAG_ID, run_id, commit)["duration_seconds"],
        "transfer_phase_s": _seconds(min(t["start_date"] for t in transfers), max(t["end_date"] for t in transfers)),
        # the slowest split's transfer loop (read, convert, encode, upload), without its process start
        "slowest_split_loop_s": max(r["seconds"] for r in results),
        "workers": sorted({t["hostname"] for t in transfers}),
        # one process serves Tablestore and OSS: near the transfer phase, it is what bounds the rate
        "localcloud_cpu_s": round(sum(localcloud.cpu_times()[:2]) - cpu, 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300_000, help="rows of the demo table")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    root.chmod(0o755)  # the database servers' accounts pass through it
    write_env_file(root / "cluster.env")
    cluster = ClusterProcess(root, root / "cluster.env", ROOT / "dags", demo_rows=args.rows)
    try:
        began = time.monotonic()
        state = cluster.start(timeout=3600)
        print(f"stack up with {args.rows:,} demo rows in {time.monotonic() - began:.0f} s", file=sys.stderr)
        api = AirflowApi(state)
        api.unpause(DAG_ID)
        assert cluster.process is not None
        localcloud = next(child for child in psutil.Process(cluster.process.pid).children(recursive=True)
                          if "localcloud" in child.cmdline())
        exports = {f"export_{n}_splits": export(api, n, localcloud) for n in (1, 2, 4)}
        client = DirectConnections(json.loads(Path(state["endpoints_file"]).read_text())).tablestore(None)
        reader = OTSRangeReader(client, OTSReaderConfig.from_parameter({"table": demo_data.TABLE}))
        plans = {}
        for concurrency in (2, 4, 8):
            rows = demo_data.rows_per_split(reader.plan(concurrency)[0], args.rows)
            plans[f"plan_{concurrency}"] = {"rows_per_split": rows, "max_min_ratio": round(max(rows) / min(rows), 3)}
        print(json.dumps({"rows": args.rows, **exports, **plans}, indent=2))
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
