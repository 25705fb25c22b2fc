"""Client CPU per record (issue 23): the exporting process's own CPU, the server kept out.

The GetRange and GetStreamRecord answers of the local Tablestore server are recorded once, then
replayed in this process (``replay.py``): every figure is CPU seconds of this process
(``time.process_time``, all threads) per record, with no server in the measured loop, the least
of three runs. Each trial runs the baselines and ours side by side (order alternating,
``trials.py``); the figures are the medians of the trials. Baselines that do not move when this package gets faster:

- export: the bare SDK GetRange loop (an ``OTSClient``: its request path and its own PlainBuffer
  decoding, the bundled native parser where it loads) over the same answers;
- stream: the same GetStreamRecord answers, each record decoded with the SDK's PlainBuffer reader
  (``tablestore.plainbuffer``; it cannot read the sequence-info extension, which is cut out and
  unpacked beside it, nor a cell with an op byte, so the window holds puts and row deletes).

Goals: CSV export <= 0.5x the SDK loop per row; Parquet <= 1.2x CSV; stream window (reader and
CSV writer) >= 3x the SDK reader's changes per CPU-second. ``--stages`` prints CPU per record of
each stage (decode, row mapping, formatting and encoding, sink, compression, Parquet).

Run: .venv/bin/python bench/bench_client_cpu.py [--rows 50000] [--changes 30000] [--trials 9] [--stages]
"""

from __future__ import annotations

import argparse
import functools
import gc
import random
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tablestore
from tablestore.plainbuffer.plain_buffer_coded_stream import PlainBufferCodedInputStream
from tablestore.plainbuffer.plain_buffer_stream import PlainBufferInputStream

from bench_export_stages import NullBucket, run_transfer
from devstack import demo_data
from devstack.connections import DirectConnections
from localcloud.process import LocalCloudProcess
from replay import Recorder, cpu_seconds, replaying
from tablestore_channels.formats.delimited import DelimitedFormat
from tablestore_channels.ots_client import ots_api_pb2 as pb
from tablestore_channels.ots_client.models import RowPage, StreamSpec
from tablestore_channels.plugins.osswriter.config import OSSWriterConfig
from tablestore_channels.plugins.osswriter.writer import OSSWriter
from tablestore_channels.plugins.otsreader.config import OTSReaderConfig
from tablestore_channels.plugins.otsreader.reader import OTSRangeReader, TableInfo
from tablestore_channels.plugins.otsstreamreader.config import OTSStreamReaderConfig
from tablestore_channels.plugins.otsstreamreader.reader import OTSStreamReader
from trials import interleaved, load, median_line

STREAM_TABLE = "bench_changes"
STREAM_PK = [("id", "STRING"), ("n", "INTEGER")]
# the sequence-info extension the SDK's reader cannot read: 0x0B, u32 24, 24 bytes; then 0x09 crc
_EXTENSION = 1 + 4 + 24
_FIELD_TYPES = {"STRING": "string", "INTEGER": "int", "DOUBLE": "double", "BOOLEAN": "bool", "BINARY": "binary"}
EXPORT_TYPES = [_FIELD_TYPES[t] for _, t in [*demo_data.PRIMARY_KEY, *demo_data.COLUMNS]]


# ---- data ---------------------------------------------------------------------------------

def write_changes(client: Any, count: int, seed: int = 11, updates: bool = True) -> None:
    """``count`` changes: mostly whole-row puts, some row deletes and, with ``updates``, some
    updates (a put and both column deletes), so every cell op and the delete-row marker travel.
    (The SDK's PlainBuffer reader cannot read a cell with an op byte - ``read_column`` of
    tablestore 6.4.8 raises NameError on ``cell_type`` - so its baseline reads puts and deletes.)"""
    client.create_table(tablestore.TableMeta(STREAM_TABLE, STREAM_PK),
                        tablestore.TableOptions(time_to_live=-1, max_version=1),
                        tablestore.ReservedThroughput(tablestore.CapacityUnit(0, 0)),
                        stream_spec=StreamSpec(enable=True, expiration_time_hours=24))
    rnd = random.Random(seed)
    condition = tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE)
    for start in range(0, count, 200):
        items = []
        for i in range(start, min(start + 200, count)):
            pk = [("id", f"dev-{i % 997:04d}"), ("n", i % 5000)]
            kind = rnd.random()
            if kind < 0.8:
                items.append(tablestore.PutRowItem(tablestore.Row(pk, [
                    ("temperature", i * 0.25), ("status", "ok" if i % 7 else "needs \"service\""),
                    ("battery", i % 100), ("online", i % 3 == 0), ("frame", bytearray(struct.pack("<q", i)))]),
                    condition))
            elif kind < 0.9 and updates:
                items.append(tablestore.UpdateRowItem(tablestore.Row(pk, {
                    "put": [("status", "late")], "delete": [("battery", None, 1_780_000_000_000)],
                    "delete_all": ["frame"]}), condition))
            else:  # a row written (most likely put) in an earlier batch
                items.append(tablestore.DeleteRowItem(tablestore.Row(
                    [("id", f"dev-{(i - 200) % 997:04d}"), ("n", (i - 200) % 5000)]), condition))
        request = tablestore.BatchWriteRowRequest()
        request.add(tablestore.TableInBatchWriteRowItem(STREAM_TABLE, items))
        result = client.batch_write_row(request)
        failed = [r for kind in ("put", "update", "delete") for r in getattr(result, f"get_failed_of_{kind}")()]
        if failed:
            raise RuntimeError(f"{len(failed)} change(s) failed: {failed[0].error_code} {failed[0].error_message}")


# ---- export -------------------------------------------------------------------------------

def sdk_range_loop(client: Any) -> int:
    """The bare SDK GetRange loop over the demo table: rows read."""
    start = [(n, tablestore.INF_MIN) for n, _ in demo_data.PRIMARY_KEY]
    end = [(n, tablestore.INF_MAX) for n, _ in demo_data.PRIMARY_KEY]
    rows = 0
    while start:
        _, start, page, _ = client.get_range(demo_data.TABLE, tablestore.Direction.FORWARD, start, end)
        rows += len(page)
    return rows


def range_requests(client: Any) -> int:
    """The GetRange loop of the export's reader (its columns), its rows left undecoded where the
    client decodes them when used: pages read."""
    reader, table, _ = range_reader(client)
    start = [(n, tablestore.INF_MIN) for n, _ in demo_data.PRIMARY_KEY]
    end = [(n, tablestore.INF_MAX) for n, _ in demo_data.PRIMARY_KEY]
    columns = [c.name for c in reader._columns(table)]
    pages = 0
    while start:
        _, start, _, _ = client.get_range(demo_data.TABLE, tablestore.Direction.FORWARD, start, end,
                                          columns_to_get=columns)
        pages += 1
    return pages


def range_reader(client: Any) -> tuple[OTSRangeReader, TableInfo, dict]:
    reader = OTSRangeReader(client, OTSReaderConfig(table=demo_data.TABLE, columns=()))
    table = TableInfo(demo_data.TABLE, tuple(demo_data.PRIMARY_KEY), tuple(n for n, _ in demo_data.COLUMNS),
                      tuple(t for _, t in demo_data.COLUMNS))
    descriptor = {"table": table.to_json(), "ranges": [reader.plan_ranges(table, 1)[0].to_json()]}
    return reader, table, descriptor


def export_columns() -> list[str]:
    return [n for n, _ in demo_data.PRIMARY_KEY] + [n for n, _ in demo_data.COLUMNS]


class Counted:
    """Pages passed through, counting their records."""

    def __init__(self, pages: Any) -> None:
        self.pages, self.records = pages, 0

    def __iter__(self) -> Any:
        for page in self.pages:
            self.records += len(page)
            yield page


def write_to_null(pages: Any, columns: list[str], column_types: Any, file_format: str = "csv",
                  compress: str = "none") -> int:
    """The transfer loop and the OSS split writer into a bucket that drops the bytes: records written."""
    config = OSSWriterConfig(object="cpu/", write_mode="truncate", file_format=file_format, compress=compress)
    sink = OSSWriter(NullBucket(), config, "cpu").open_split(0, columns, {"column_types": column_types})
    counted = Counted(pages)
    run_transfer(counted, sink, columns)
    sink.close()
    return counted.records


def export_to_null(client: Any, file_format: str = "csv", compress: str = "none") -> int:
    """One split of the full export into a bucket that drops the bytes: rows written."""
    reader, _, descriptor = range_reader(client)
    return write_to_null(reader.read_pages(descriptor), export_columns(), EXPORT_TYPES, file_format, compress)


# ---- stream -------------------------------------------------------------------------------

def stream_descriptor(client: Any) -> dict:
    stream_id = client.describe_table(STREAM_TABLE).stream_details.stream_id
    shards = [{"shard_id": s.shard_id, "parents": [], "position": None} for s in client.iter_stream_shards(stream_id)]
    return {"stream_id": stream_id, "pk": [n for n, _ in STREAM_PK], "shards": shards}


def stream_reader(client: Any, start_ms: int, end_ms: int) -> OTSStreamReader:
    config = OTSStreamReaderConfig.from_parameter({"dataTable": STREAM_TABLE, "startTimestampMillis": start_ms,
                                                   "endTimestampMillis": end_ms, "lagMinutes": 0})
    return OTSStreamReader(client, config, clock=lambda: end_ms / 1000 + 3600)


def stream_pages(client: Any, descriptor: dict, start_ms: int, end_ms: int) -> Any:
    return stream_reader(client, start_ms, end_ms).read_pages(descriptor)


def stream_window_to_null(client: Any, descriptor: dict, start_ms: int, end_ms: int) -> int:
    """The window's reader (one split) and the CSV writer into a bucket that drops the bytes."""
    columns = [*descriptor["pk"], "column", "timestamp", "value", "op_type"]
    write_to_null(stream_pages(client, descriptor, start_ms, end_ms), columns, None)
    return 0


def print_stages(ours: Any, range_bodies: list[bytes], rows: int, descriptor: dict, changes: int, start_ms: int,
                 end_ms: int) -> None:
    """CPU µs per record of each stage, the best of three runs (a stage is a difference of two
    pipelines where it cannot run alone)."""
    answers = ours.connection.answers
    reader, _, range_descriptor = range_reader(ours)
    record_pages = list(reader.read_pages(range_descriptor))
    stream_record_pages = list(stream_pages(ours, descriptor, start_ms, end_ms))
    columns = [*descriptor["pk"], "column", "timestamp", "value", "op_type"]
    csv = DelimitedFormat("csv")
    codec = ours.protocol.decoder.api_decode_map

    def best(action: Callable[[], Any]) -> float:
        gc.freeze()  # as the channel does for a split's transfer (a stage keeps all its results)
        try:
            return min(cpu_seconds(action)[0] for _ in range(3))
        finally:
            gc.unfreeze()

    export = {
        "requests (the get_range loop, rows unread)": best(lambda: range_requests(ours)),
        "decode of the answers alone": best(lambda: decode_range_answers(ours, range_bodies)),
        "reader: requests, decode, row mapping": best(lambda: sum(map(len, reader.read_pages(range_descriptor)))),
        "CSV formatting + encoding": best(lambda: [csv.encode_records(page) for page in record_pages]),
        "CSV writer (channel, formatting, encoding, sink)": best(
            lambda: write_to_null(record_pages, export_columns(), EXPORT_TYPES)),
        "CSV writer + gzip": best(lambda: write_to_null(record_pages, export_columns(), EXPORT_TYPES, "csv", "gzip")),
        "Parquet writer": best(lambda: write_to_null(record_pages, export_columns(), EXPORT_TYPES, "parquet")),
    }
    stream = {
        "decode of the answers": best(lambda: [codec["GetStreamRecord"](b, "")[0].changes for b in stream_bodies(answers)]),
        "reader: requests, decode, conversion": best(
            lambda: sum(map(len, stream_pages(ours, descriptor, start_ms, end_ms)))),
        "CSV writer": best(lambda: write_to_null(stream_record_pages, columns, None)),
    }
    print(f"stages of the export, CPU µs per row ({rows:,} rows, best of 3):")
    for name, seconds in export.items():
        print(f"  {name:<52} {per_record(seconds, rows):6.2f}")
    mapping = (export["reader: requests, decode, row mapping"] - export["requests (the get_range loop, rows unread)"]
               - export["decode of the answers alone"])
    print(f"  {'= row mapping (reader less requests and decode)':<52} {per_record(mapping, rows):6.2f}")
    gzip = export["CSV writer + gzip"] - export["CSV writer (channel, formatting, encoding, sink)"]
    print(f"  {'= gzip compression':<52} {per_record(gzip, rows):6.2f}")
    print(f"stages of the stream window, CPU µs per change ({changes:,} changes, best of 3):")
    for name, seconds in stream.items():
        print(f"  {name:<52} {per_record(seconds, changes):6.2f}")
    conversion = stream["reader: requests, decode, conversion"] - stream["decode of the answers"]
    print(f"  {'= requests and conversion (reader less decode)':<52} {per_record(conversion, changes):6.2f}")


def decode_range_answers(client: Any, bodies: list[bytes]) -> list:
    """What the export's reader decodes of the GetRange answers."""
    decode = client.protocol.decoder.api_decode_map["GetRange"]
    pages = [decode(body, "")[0][2] for body in bodies]
    return [rows.runs() if isinstance(rows, RowPage) else rows for rows in pages]


def stream_bodies(answers: dict) -> list[bytes]:
    return [answer[3] for (url, _), answer in answers.items() if url == "/GetStreamRecord"]


def sdk_stream_reader(bodies: list[bytes], start_ms: int, end_ms: int) -> int:
    """The stream baseline: each record of the answers decoded with the SDK's PlainBuffer reader
    (the extension cut out and unpacked beside it): changes in the window."""
    changes = 0
    for body in bodies:
        for record in pb.GetStreamRecordResponse.FromString(body).stream_records:
            data = record.record
            extension = data[-_EXTENSION - 2:-2]
            row = data[:-_EXTENSION - 2] + data[-2:]
            PlainBufferCodedInputStream(PlainBufferInputStream(row)).read_row()
            timestamp_us = struct.unpack_from("<BIBIBq", extension, 5)[5]
            changes += start_ms <= timestamp_us // 1000 < end_ms
    return changes


# ---- measuring ----------------------------------------------------------------------------

def per_record(seconds: float, records: int) -> float:
    return seconds / records * 1e6


def measured(action: Callable[[], int], expected: int, label: str, runs: int = 3) -> float:
    """CPU µs per record of ``action``, which must handle ``expected`` records: the least of
    ``runs`` runs (a run the machine slowed - a neighbour, a page-in - counts as the others do
    not, so the least is the figure of the code; every step is measured the same way)."""
    best = float("inf")
    for _ in range(runs):
        seconds, count = cpu_seconds(action)
        if count and count != expected:
            raise AssertionError(f"{label}: {count} records, expected {expected}")
        best = min(best, seconds)
    return per_record(best, expected)


def measure_into(figures: dict[str, float], key: str, action: Callable[[], int], expected: int) -> None:
    figures[key] = measured(action, expected, key)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="rows of the exported table")
    parser.add_argument("--changes", type=int, default=30_000, help="changes in the stream window")
    parser.add_argument("--trials", type=int, default=9, help="trials (the stream's figure moves most between them)")
    parser.add_argument("--stages", action="store_true", help="also print CPU per record of each stage")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, LocalCloudProcess(Path(tmp), services=("tablestore",)) as cloud:
        endpoints = cloud.endpoints
        ours = DirectConnections(endpoints).tablestore(None)
        ts = endpoints["tablestore"]
        sdk = tablestore.OTSClient(ts["endpoint"], ts["access_key_id"], ts["access_key_secret"], ts["instance"])
        began = time.perf_counter()
        demo_data.create_table(ours)
        demo_data.load(ours, args.rows)
        start_ms = time.time_ns() // 1_000_000
        write_changes(ours, args.changes, updates=False)
        time.sleep(0.01)
        end_ms = time.time_ns() // 1_000_000
        print(f"loaded {args.rows:,} rows and {args.changes:,} changes in {time.perf_counter() - began:.0f} s",
              file=sys.stderr)
        # record: the SDK loop, the export's reader, the stream window's reader
        sdk_rec, ours_rec = Recorder(sdk), Recorder(ours)
        rows = sdk_range_loop(sdk)
        descriptor = stream_descriptor(ours)
        reader, _, range_descriptor = range_reader(ours)
        assert sum(map(len, reader.read_pages(range_descriptor))) == rows == args.rows, rows
        changes = sum(1 for page in stream_pages(ours, descriptor, start_ms, end_ms) for _ in page)
    answers = {**sdk_rec.answers, **ours_rec.answers}
    replaying(sdk, answers)
    replaying(ours, answers)
    bodies = stream_bodies(answers)
    window_changes = sdk_stream_reader(bodies, start_ms, end_ms)
    # (a delete of a row that does not exist leaves no change in the stream)
    assert 0.85 * args.changes <= window_changes <= args.changes, window_changes
    print(f"recorded {len(answers)} answers: {rows:,} rows, {window_changes:,} changes "
          f"({changes:,} output records); CPU µs per record, medians of {args.trials} trials")

    figures: dict[str, list[float]] = {k: [] for k in ("sdk", "csv", "parquet", "sdk_stream", "stream")}
    for number in range(-1, args.trials):  # trial -1 warms up (imports, caches) and is not counted
        now: dict[str, float] = {}
        steps = {
            "sdk": (lambda: sdk_range_loop(sdk), rows),
            "csv": (lambda: export_to_null(ours), rows),
            "parquet": (lambda: export_to_null(ours, "parquet"), rows),
            "sdk_stream": (lambda: sdk_stream_reader(bodies, start_ms, end_ms), window_changes),
            "stream": (lambda: stream_window_to_null(ours, descriptor, start_ms, end_ms), window_changes),
        }
        interleaved(number, [functools.partial(measure_into, now, key, *step) for key, step in steps.items()])
        if number < 0:
            continue
        for key, value in now.items():
            figures[key].append(value)
        print(f"trial {number + 1}: export µs/row: SDK loop {now['sdk']:.2f}, csv {now['csv']:.2f} "
              f"({now['csv'] / now['sdk']:.3f}x), parquet {now['parquet']:.2f} ({now['parquet'] / now['csv']:.3f}x csv); "
              f"stream µs/change: SDK reader {now['sdk_stream']:.2f}, window {now['stream']:.2f} "
              f"({now['sdk_stream'] / now['stream']:.2f}x changes/CPU-s) (load {load()})", flush=True)
    ratio = {
        "csv": [c / s for c, s in zip(figures["csv"], figures["sdk"])],
        "parquet": [p / c for p, c in zip(figures["parquet"], figures["csv"])],
        "stream": [b / w for b, w in zip(figures["sdk_stream"], figures["stream"])],
    }
    print(median_line("bare SDK GetRange loop, CPU µs/row", figures["sdk"], 2))
    print(median_line("CSV export, CPU µs/row", figures["csv"], 2))
    print(median_line("Parquet export, CPU µs/row", figures["parquet"], 2))
    print(median_line("SDK PlainBuffer reader, CPU µs/change", figures["sdk_stream"], 2))
    print(median_line("stream window (reader + CSV writer), CPU µs/change", figures["stream"], 2))
    print(median_line("GOAL CSV export / SDK loop, CPU per row (<= 0.5)", ratio["csv"]))
    print(median_line("GOAL Parquet / CSV export, CPU per row (<= 1.2)", ratio["parquet"]))
    print(median_line("GOAL stream window / SDK reader, changes per CPU-second (>= 3)", ratio["stream"]))
    if args.stages:
        range_bodies = [answer[3] for (url, _), answer in ours_rec.answers.items() if url == "/GetRange"]
        print_stages(ours, range_bodies, rows, descriptor, window_changes, start_ms, end_ms)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
