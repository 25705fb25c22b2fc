"""Point-in-time restore of the demo table to a moment an hour after its full export: the time
it takes (pointintime reader -> otsreplay writer, both phases, through jobrun).

The demo table (include/devstack/demo_data.py, stream enabled) is loaded and exported in mode
multiVersion; then 12 windows of changes follow, each as many as a five-minute trickle brings
(``--rate`` changes a second: new readings, updates of a reading's battery and status with a
column delete now and then, deleted readings), each exported as the stream sync exports its
window. The windows are short in wall time (the local stream cannot be made to wait an hour)
but hold an hour's changes; T is inside the last one, so it is cut at T. The restore's splits
run one after another in this process (Airflow spreads them over workers).

Run: .venv/bin/python bench/bench_point_in_time.py [--rows 300000] [--rate 10] [--concurrent 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

import pendulum
import tablestore

from devstack import demo_data
from devstack.connections import DirectConnections
from localcloud.process import LocalCloudProcess
from tablestore_channels import jobrun
from tablestore_channels.channel.stream_window import StreamWindow
from tablestore_channels.job import JobSpec

WINDOWS, WINDOW_SECONDS = 12, 300
_IGNORE = tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE)


def _run(conns: DirectConnections, job: dict, run_key: str) -> dict:
    spec, run = JobSpec.from_dict(job), jobrun.RunInfo(run_key, {"run_id": run_key})
    descriptors = jobrun.plan(spec, conns, run)
    results = [jobrun.run_split(spec, conns, run, d) for d in descriptors]
    return jobrun.commit(spec, conns, run, results, descriptors[0]["writer"])


def _job(reader_plugin: str, reader: dict, writer_plugin: str, writer: dict, concurrent: int) -> dict:
    return {"type": "job", "configuration": {"setting": {"speed": {"concurrent": concurrent}},
                                             "reader": {"plugin": reader_plugin, "parameter": reader},
                                             "writer": {"plugin": writer_plugin, "parameter": writer}}}


def _trickle(client, rnd: random.Random, count: int, rows: int, first_new: int) -> int:
    """``count`` changes of the demo table; returns the next new reading's number."""
    batch: list = []
    for _ in range(count):
        kind = rnd.random()
        if kind < 0.4:  # a new reading
            (pk, attrs), = demo_data.rows(1, seed=first_new)
            pk = [("device_id", f"dev-{first_new % 500:05d}"), ("ts", 1_790_000_000_000 + first_new)]
            batch.append(tablestore.PutRowItem(tablestore.Row(pk, attrs), _IGNORE))
            first_new += 1
        else:
            i = rnd.randrange(rows)
            pk = [("device_id", f"dev-{i % 500:05d}"), ("ts", demo_data._BASE_TS + (i // 500) * 1000)]
            if kind < 0.9:
                change: dict = {"put": [("battery", rnd.randint(0, 100)), ("status", "ok")]}
                if rnd.random() < 0.2:
                    change["delete_all"] = ["raw_frame"]
                batch.append(tablestore.UpdateRowItem(tablestore.Row(pk, change), _IGNORE))
            else:
                batch.append(tablestore.DeleteRowItem(tablestore.Row(pk), _IGNORE))
        if len(batch) == 100:
            _write(client, batch)
    if batch:
        _write(client, batch)
    return first_new


def _write(client, batch: list) -> None:
    request = tablestore.BatchWriteRowRequest()
    keys = set()
    request.add(tablestore.TableInBatchWriteRowItem(demo_data.TABLE, [
        item for item in batch if not (str(item.row.primary_key) in keys or keys.add(str(item.row.primary_key)))]))
    client.batch_write_row(request)
    batch.clear()


def _second() -> int:
    time.sleep(1 - time.time() % 1 + 0.002)
    return int(time.time()) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--rate", type=float, default=10.0, help="changes per second of the trickle")
    parser.add_argument("--concurrent", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cloud = LocalCloudProcess(Path(tmp), services=("tablestore", "oss"))
        cloud.start(timeout=300)  # a loaded machine starts it slowly
        try:
            restore_demo(cloud, args)
        finally:
            cloud.stop()


def restore_demo(cloud: LocalCloudProcess, args: argparse.Namespace) -> None:
    conns = DirectConnections(cloud.endpoints)
    client = conns.tablestore(None)
    instance = cloud.endpoints["tablestore"]["instance"]
    demo_data.create_table(client)
    began = time.perf_counter()
    demo_data.load(client, args.rows)
    print(f"loaded {args.rows:,} rows in {time.perf_counter() - began:.0f} s")
    edges = [_second()]  # the first window holds the export's reading
    began = time.perf_counter()
    export = _run(conns, _job("ots", {"table": demo_data.TABLE, "mode": "multiVersion"}, "oss",
                              {"object": f"tablestore/{demo_data.TABLE}/", "writeMode": "truncate",
                               "fileFormat": "csv"}, args.concurrent), "full")
    print(f"full export (multiVersion): {export['rows']:,} cells in {time.perf_counter() - began:.0f} s")
    rnd, new = random.Random(3), 0
    per_window = round(args.rate * WINDOW_SECONDS)
    for k in range(WINDOWS):
        new = _trickle(client, rnd, per_window, args.rows, new)
        if k == WINDOWS - 1:
            time.sleep(0.3)
            point = time.time_ns() // 1000  # T: inside the last window
            new = _trickle(client, rnd, per_window // 10, args.rows, new)
        edges.append(_second())
    for k in range(WINDOWS):
        start, end = edges[k], edges[k + 1]
        path = StreamWindow(*(pendulum.from_timestamp(t / 1000, tz="UTC") for t in (start, end, end))).path
        _run(conns, _job("otsstream", {"dataTable": demo_data.TABLE, "startTimestampMillis": start,
                                       "endTimestampMillis": end, "lagMinutes": 0, "isExportSequenceInfo": True},
                         "oss", {"object": f"{instance}/{demo_data.TABLE}/{path}", "writeMode": "truncate",
                                 "fileFormat": "csv"}, args.concurrent), f"w{k}")
    moment = dt.datetime.fromtimestamp(point / 1e6, dt.UTC).isoformat()
    reader = {"table": demo_data.TABLE, "exportPrefix": f"tablestore/{demo_data.TABLE}/",
              "streamPrefix": f"{instance}/{demo_data.TABLE}/", "pointInTime": moment}
    writer = {"table": "iot_readings_at_t", "createTableIfMissing": True}
    seconds = {}
    for phase in ("export", "windows"):
        began = time.perf_counter()
        summary = _run(conns, _job("pointintime", {**reader, "phase": phase}, "otsreplay", writer,
                                   args.concurrent), phase)
        seconds[phase] = time.perf_counter() - began
        print(f"  phase {phase}: {summary['changes']:,} changes, {summary['rows']:,} row writes in "
              f"{seconds[phase]:.1f} s")
    total = sum(seconds.values())
    print(f"point-in-time restore of {args.rows:,} rows to T = export + {WINDOWS} windows of "
          f"{per_window:,} changes ({args.rate:g}/s for {WINDOWS * WINDOW_SECONDS // 60} min): {total:.1f} s")


if __name__ == "__main__":
    main()
