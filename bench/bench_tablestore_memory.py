"""Memory of the local Tablestore server per stored row: the demo table (``devstack.demo_data``,
stream enabled) loaded with BatchWriteRow, then the server's resident set read from /proc.

For each table size it prints the bytes a row takes as stored (its PlainBuffer, as GetRange
serves it: counted by one raw GetRange scan, which is also timed) beside the server's RSS per
row, in all and above the empty server's, and the peak RSS. The target is RSS per row within 3x
of the stored bytes per row, and the largest size fitting comfortably in this machine's memory.

    .venv/bin/python bench/bench_tablestore_memory.py [--rows 300000 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import tablestore.protobuf.table_store_pb2 as sdk
from tablestore import INF_MAX, INF_MIN
from tablestore.plainbuffer.plain_buffer_builder import PlainBufferBuilder

from bench_tablestore_server import raw_call  # a sibling script: bench/ is on sys.path when this one runs
from devstack import demo_data
from devstack.connections import DirectConnections
from localcloud.process import LocalCloudProcess

TARGET_RATIO = 3.0


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def machine_kb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    raise RuntimeError("no MemTotal in /proc/meminfo")


def scan(client, table: str) -> tuple[int, int, float]:
    """(rows, row bytes, seconds) of one raw GetRange pass over the table: requests signed and
    responses checked by the SDK's protocol objects, rows counted by their PK prefix only."""
    names = [n for n, _ in demo_data.PRIMARY_KEY]
    start = bytes(PlainBufferBuilder.serialize_primary_key([(n, INF_MIN) for n in names]))
    end = bytes(PlainBufferBuilder.serialize_primary_key([(n, INF_MAX) for n in names]))
    rows = size = 0
    began = time.perf_counter()
    while start:
        request = sdk.GetRangeRequest(table_name=table, direction=sdk.FORWARD, max_versions=1,
                                      inclusive_start_primary_key=start, exclusive_end_primary_key=end)
        response = raw_call(client, "GetRange", request, sdk.GetRangeResponse())
        if response.rows:
            size += len(response.rows) - 4  # less the buffer header
            rows += response.rows.count(b"\x01\x03\x04\x09\x00\x00\x00device_id")  # one PK start per row
        start = response.next_start_primary_key
    return rows, size, time.perf_counter() - began


def measure(count: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp, LocalCloudProcess(Path(tmp), services=("tablestore",)) as cloud:
        client = DirectConnections(cloud.endpoints).tablestore(None)
        demo_data.create_table(client, demo_data.TABLE)
        empty = memory_kb(cloud.pid)["VmRSS"]
        began = time.perf_counter()
        demo_data.load(client, count)
        load_s = time.perf_counter() - began
        rows, size, scan_s = scan(client, demo_data.TABLE)
        if rows != count:
            raise SystemExit(f"scanned {rows} rows, loaded {count}")
        loaded = memory_kb(cloud.pid)
    stored = size / rows
    rss = loaded["VmRSS"] * 1024 / rows
    above_empty = (loaded["VmRSS"] - empty) * 1024 / rows
    return {"rows": rows, "stored_bytes_per_row": stored, "rss_bytes_per_row": rss,
            "rss_above_empty_per_row": above_empty, "ratio": rss / stored, "empty_mb": empty / 1024,
            "rss_mb": loaded["VmRSS"] / 1024, "peak_mb": loaded["VmHWM"] / 1024, "load_s": load_s,
            "scan_rows_per_s": rows / scan_s}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[300_000, 1_000_000])
    args = parser.parse_args()
    total_mb = machine_kb() / 1024
    failed = False
    for count in args.rows:
        m = measure(count)
        fits = m["peak_mb"] < total_mb / 4  # "comfortably": a quarter of the machine at the most
        good = m["ratio"] <= TARGET_RATIO
        failed = failed or not (fits and good)
        print(f"{m['rows']:,} rows: stored {m['stored_bytes_per_row']:.0f} B/row; RSS {m['rss_bytes_per_row']:.0f} "
              f"B/row ({m['ratio']:.2f}x stored, target <= {TARGET_RATIO:.0f}x: {'ok' if good else 'OVER'}), "
              f"{m['rss_above_empty_per_row']:.0f} B/row above the empty server ({m['empty_mb']:.0f} MB); "
              f"RSS {m['rss_mb']:.0f} MB, peak {m['peak_mb']:.0f} MB of {total_mb:.0f} MB "
              f"({'fits' if fits else 'TOO BIG'}); load {m['load_s']:.0f} s, "
              f"GetRange scan {m['scan_rows_per_s']:,.0f} rows/s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
