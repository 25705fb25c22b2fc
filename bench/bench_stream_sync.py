"""Incremental sync Tablestore Stream -> OSS: figures for issue 6.

1. rows/s of one window holding N changes (default 50k PutRows, multi-version CSV, one split
   after the other in this process) vs a raw GetStreamRecord loop over the same records that only
   reads and decodes them (target ratio >= 0.8), in ``--trials`` trials: each trial runs both
   (order alternating) and prints its ratio; the median over the trials is the figure. Each trial
   also times the window's reader alone (its pages: fetch, decode, conversion to output records;
   no writer, no commit), so the gap to the raw loop splits into the reader's and the writer's;
2. the time from the window's end to its manifest in OSS, with lagMinutes 0 (in production add
   the lag, 5 minutes, and the scheduler's start-up delay).

Run: .venv/bin/python bench/bench_stream_sync.py [--changes 50000] [--trials 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import tablestore

from devstack.connections import DirectConnections
from localcloud.process import LocalCloudProcess
from tablestore_channels import jobrun
from tablestore_channels.job import JobSpec
from tablestore_channels.ots_client.models import StreamSpec
from tablestore_channels.plugins.otsstreamreader.reader import RECORD_LIMIT, OTSStreamReader
from trials import interleaved, load, median_line

TABLE = "bench_stream"


def write_changes(client, count: int) -> None:
    client.create_table(tablestore.TableMeta(TABLE, [("id", "STRING"), ("n", "INTEGER")]),
                        tablestore.TableOptions(time_to_live=-1, max_version=1),
                        tablestore.ReservedThroughput(tablestore.CapacityUnit(0, 0)),
                        stream_spec=StreamSpec(enable=True, expiration_time_hours=24))
    for start in range(0, count, 200):
        request = tablestore.BatchWriteRowRequest()
        request.add(tablestore.TableInBatchWriteRowItem(TABLE, [
            tablestore.PutRowItem(tablestore.Row([("id", f"dev-{i % 997:04d}"), ("n", i)],
                                                 [("temperature", i * 0.25), ("status", "ok"), ("battery", i % 100)]),
                                  tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE))
            for i in range(start, min(start + 200, count))]))
        client.batch_write_row(request)


def write_changes_tail(client, count: int) -> None:
    for i in range(count):
        client.put_row(TABLE, tablestore.Row([("id", f"late-{i:04d}"), ("n", i)], [("status", "late")]))

def raw_loop(client, start_ms: int, end_ms: int) -> tuple[int, float]:
    began = time.perf_counter()
    stream_id = client.describe_table(TABLE).stream_details.stream_id
    records = 0
    for shard in client.iter_stream_shards(stream_id):
        iterator = client.get_shard_iterator(stream_id, shard.shard_id, start_ms * 1000)
        while iterator:
            batch = client.get_stream_record(iterator, RECORD_LIMIT)
            records += sum(start_ms <= r.sequence_info.timestamp_us // 1000 < end_ms for r in batch.records)
            if not batch.records:
                break
            iterator = batch.next_shard_iterator
    return records, time.perf_counter() - began


def window_spec(start_ms: int, end_ms: int) -> JobSpec:
    return JobSpec.from_dict({"type": "job", "configuration": {
        "setting": {"speed": {"concurrent": 2}},
        "reader": {"plugin": "otsstream", "parameter": {"dataTable": TABLE, "startTimestampMillis": start_ms,
                                                        "endTimestampMillis": end_ms, "lagMinutes": 0}},
        "writer": {"plugin": "oss", "parameter": {"object": f"stream/{start_ms}-{end_ms}/", "writeMode": "truncate",
                                                  "fileFormat": "csv"}}}})


def window(endpoints: dict, start_ms: int, end_ms: int, run_key: str) -> tuple[dict, float]:
    spec = window_spec(start_ms, end_ms)
    connections, run = DirectConnections(endpoints), jobrun.RunInfo(run_key, {})
    began = time.perf_counter()
    descriptors = jobrun.plan(spec, connections, run)
    results = [jobrun.run_split(spec, connections, run, d) for d in descriptors]
    summary = jobrun.commit(spec, connections, run, results, descriptors[0]["writer"])
    return summary, time.perf_counter() - began


def reader_alone(client, start_ms: int, end_ms: int) -> float:
    """Seconds for the window's reader to produce every output record (positioned by time, as
    the raw loop is), with nothing written."""
    began = time.perf_counter()
    reader = OTSStreamReader(client, window_spec(start_ms, end_ms).reader)
    descriptors, _ = reader.plan(2)
    for descriptor in descriptors:
        for _page in reader.read_pages(descriptor):
            pass
    return time.perf_counter() - began


def trial(client, endpoints: dict, start_ms: int, end_ms: int, number: int) -> dict:
    """One trial: the raw loop, the window and its reader alone over the same records; a rerun
    of the window repeats it identically (its plan drops the checkpoints the last run saved at
    its end)."""
    figures: dict = {}

    def raw() -> None:
        figures["raw_records"], figures["raw_seconds"] = raw_loop(client, start_ms, end_ms)

    def sync() -> None:
        figures["summary"], figures["seconds"] = window(endpoints, start_ms, end_ms, f"bench-{number}")

    def read() -> None:
        figures["reader_seconds"] = reader_alone(client, start_ms, end_ms)

    interleaved(number, [raw, sync, read])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=50_000)
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, LocalCloudProcess(Path(tmp), services=("tablestore", "oss")) as cloud:
        endpoints = cloud.endpoints
        client = DirectConnections(endpoints).tablestore(None)
        start_ms = time.time_ns() // 1_000_000
        began = time.perf_counter()
        write_changes(client, args.changes)
        time.sleep(0.01)
        end_ms = time.time_ns() // 1_000_000
        print(f"wrote {args.changes} changes in {time.perf_counter() - began:.1f} s")
        ratios, raw_rates, rates, reader_rates = [], [], [], []
        for number in range(args.trials):
            figures = trial(client, endpoints, start_ms, end_ms, number)
            assert figures["raw_records"] == args.changes, figures["raw_records"]
            raw_rates.append(args.changes / figures["raw_seconds"])
            rates.append(args.changes / figures["seconds"])
            reader_rates.append(args.changes / figures["reader_seconds"])
            ratios.append(figures["raw_seconds"] / figures["seconds"])
            print(f"trial {number + 1}: raw GetStreamRecord loop {raw_rates[-1]:,.0f} changes/s; window (plan + "
                  f"splits + commit) {rates[-1]:,.0f} changes/s ({figures['summary']['rows']} output rows); "
                  f"ratio {ratios[-1]:.3f}; its reader alone {reader_rates[-1]:,.0f} changes/s (load {load()})",
                  flush=True)
        print(median_line("raw GetStreamRecord loop changes/s", raw_rates, 0))
        print(median_line("window changes/s", rates, 0))
        print(median_line("the window's reader alone changes/s", reader_rates, 0))
        print(median_line("ratio window/raw (target >= 0.8)", ratios))

        # end -> manifest: a small window run as soon as it ends (lag 0)
        small_start = time.time_ns() // 1_000_000
        write_changes_tail(client, 500)
        end = time.time_ns() // 1_000_000
        window(endpoints, small_start, end, "latency")
        print(f"window end -> manifest in OSS (500 changes, lag 0): {time.time_ns() // 1_000_000 - end} ms")


if __name__ == "__main__":
    main()
