"""Throughput of the file formats on one core: records/s and MB/s of encoded output.

Records have 10 columns and about 200 bytes of csv each, shaped like a Tablestore export: two
string primary keys, integers, doubles, a boolean, a binary value, text and a null. Measures
``DelimitedFormat.encode_record`` (csv, text), ``ParquetRecordWriter.write`` + ``close`` into a
write-only sink, and reading back (``iter_records`` with ``parse_value``, ``iter_parquet_records``).
Times are CPU seconds of this process (best of ``--runs``), so that other work on a shared
machine does not skew them.

    .venv/bin/python bench/bench_formats.py [--records 200000] [--runs 3]
"""

from __future__ import annotations

import argparse
import gc
import io
import random
import time
from collections.abc import Callable

from tablestore_channels.formats.delimited import DelimitedFormat
from tablestore_channels.formats.parquet import ParquetRecordWriter, iter_parquet_records
from tablestore_channels.formats.values import parse_value

_TYPES = ("string", "string", "int", "int", "double", "double", "bool", "binary", "string", "string")


def make_records(count: int) -> list[tuple]:
    """Deterministic records of about 200 bytes each."""
    rnd = random.Random(7)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
    return [
        (f"device-{rnd.randrange(10**6):06d}", f"2024-05-{1 + i % 28:02d}T{i % 24:02d}:00:00",
         rnd.randrange(-2**40, 2**40), i, rnd.random() * 1000, rnd.uniform(-1, 1), i % 3 == 0,
         rnd.randbytes(24), " ".join(rnd.choices(words, k=10)), None)
        for i in range(count)
    ]


class _CountingSink:
    """Write-only sink: keeps the bytes (for reading back) and nothing else."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(data)
        return len(data)


def _measure(name: str, count: int, action: Callable[[], int], runs: int) -> None:
    """Run ``action`` (it returns the bytes it produced or consumed) ``runs`` times; print the best."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        size = action()
        best = min(best, time.process_time() - started)
    print(f"{name:<18} {count / best:>10,.0f} records/s {size / best / 1e6:>7.1f} MB/s "
          f"({size / 1e6:.1f} MB, {best:.2f} s CPU)")


def bench_delimited(kind: str, records: list[tuple], runs: int) -> None:
    fmt = DelimitedFormat(kind, field_delimiter="," if kind == "csv" else "\t")
    encode = fmt.encode_record
    chunks: list[bytes] = []

    def write() -> int:
        chunks[:] = [encode(record) for record in records]
        return sum(map(len, chunks))

    _measure(f"{kind} write", len(records), write, runs)
    data = b"".join(chunks)

    def read() -> int:
        for fields in fmt.iter_records(io.BytesIO(data)):
            [parse_value(text, type_name) for text, type_name in zip(fields, _TYPES)]
        return len(data)

    _measure(f"{kind} read+parse", len(records), read, runs)


def bench_parquet(records: list[tuple], runs: int) -> None:
    sink = _CountingSink()

    def write() -> int:
        sink.parts.clear()
        writer = ParquetRecordWriter(sink, [f"c{i}" for i in range(10)])
        for record in records:
            writer.write(record)
        writer.close()
        return sum(map(len, sink.parts))

    _measure("parquet write", len(records), write, runs)
    data = b"".join(sink.parts)

    def read() -> int:
        for _ in iter_parquet_records(io.BytesIO(data)):
            pass
        return len(data)

    _measure("parquet read", len(records), read, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    records = make_records(args.records)
    # The input is held in memory only for the benchmark: keep the collector from rescanning it,
    # as a streaming export never holds it.
    gc.freeze()
    csv_bytes = sum(len(DelimitedFormat("csv").encode_record(r)) for r in records[:1000]) / 1000
    print(f"{len(records):,} records of 10 columns, {csv_bytes:.0f} bytes each as csv; "
          f"best of {args.runs} runs, one core")
    bench_delimited("csv", records, args.runs)
    bench_delimited("text", records, args.runs)
    bench_parquet(records, args.runs)


if __name__ == "__main__":
    main()
