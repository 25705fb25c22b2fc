"""Rows/s of the ODPSWriter path against a raw pyodps upload loop of the same rows.

Starts ``localcloud serve --services maxcompute`` in a temporary folder and loads the demo IoT
rows (10 columns: STRING, BIGINT, DOUBLE, BOOLEAN, BINARY), already in memory, into a MaxCompute
table twice per round:

- writer: ``ODPSWriter.prepare`` -> one split (value conversion, blocks of ``--block-mb``) ->
  ``commit`` (reload, block check, commit);
- raw: ``create_upload_session`` -> ``open_record_writer(buffer_size=...)`` writing
  ``session.new_record(values)`` (pyodps's own value checks) -> ``commit``.

Prints the best of ``--rounds`` for each, end to end and client side only (the loop that encodes
records, before the last block and the commit), and the ratio writer / raw (target >= 0.8).

    .venv/bin/python bench/bench_ots_to_odps.py [--rows 200000] [--block-mb 64] [--rounds 3]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from odps import ODPS
from odps.tunnel import TableTunnel

from devstack import demo_data
from localcloud.process import LocalCloudProcess
from tablestore_channels.plugins.odpswriter.config import ODPSWriterConfig
from tablestore_channels.plugins.odpswriter.writer import ODPSWriter

COLUMNS = ["device_id", "ts"] + [name for name, _ in demo_data.COLUMNS]
DDL = ("CREATE TABLE bench_readings (device_id STRING, ts BIGINT, temperature DOUBLE, humidity DOUBLE, "
       "battery BIGINT, online BOOLEAN, status STRING, firmware STRING, site STRING, raw_frame BINARY)")


def demo_records(count: int) -> list[tuple]:
    """The demo rows as OTSReader yields them (primary key, then the attributes), except BINARY as
    ``bytes``: pyodps's own record checks take a ``bytearray`` for text."""
    return [tuple(v for _, v in pk) + tuple(bytes(v) if isinstance(v, bytearray) else v for _, v in attrs)
            for pk, attrs in demo_data.rows(count)]


def run_writer(odps: ODPS, records: list[tuple], block_mb: int, round_no: int) -> tuple[float, float]:
    """(seconds end to end, seconds of the write loop) through ODPSWriter."""
    config = ODPSWriterConfig.from_parameter({"table": "bench_readings", "column": ["*"], "truncate": True,
                                              "blockSizeInMB": block_mb})
    started = time.perf_counter()
    writer = ODPSWriter(odps, config, f"bench{round_no}")
    context = writer.prepare(COLUMNS)
    split = writer.open_split(0, COLUMNS, context)
    loop = time.perf_counter()
    for record in records:
        split.write(record)
    loop = time.perf_counter() - loop
    writer.commit([split.close()], {}, context)
    return time.perf_counter() - started, loop


def run_raw(odps: ODPS, records: list[tuple], block_mb: int) -> tuple[float, float]:
    """(seconds end to end, seconds of the write loop) with pyodps alone."""
    started = time.perf_counter()
    session = TableTunnel(odps).create_upload_session("bench_readings", overwrite=True)
    writer = session.open_record_writer(buffer_size=block_mb * 1024 * 1024)
    loop = time.perf_counter()
    for record in records:
        writer.write(session.new_record(list(record)))
    loop = time.perf_counter() - loop
    writer.close()
    session.commit(writer.get_blocks_written())
    return time.perf_counter() - started, loop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--block-mb", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("odps").setLevel(logging.WARNING)
    records = demo_records(args.rows)
    with tempfile.TemporaryDirectory() as tmp, LocalCloudProcess(Path(tmp), services=("maxcompute",)) as cloud:
        mc = cloud.endpoints["maxcompute"]
        odps = ODPS(mc["access_key_id"], mc["access_key_secret"], mc["project"], endpoint=mc["endpoint"])
        odps.execute_sql(DDL)
        writer_runs, raw_runs = [], []
        for round_no in range(args.rounds):  # interleaved, so both see the same machine state
            writer_runs.append(run_writer(odps, records, args.block_mb, round_no))
            raw_runs.append(run_raw(odps, records, args.block_mb))
        with odps.get_table("bench_readings").open_reader(arrow=True) as reader:
            assert reader.count == args.rows, reader.count
    writer_total, writer_loop = min(writer_runs)[0], min(r[1] for r in writer_runs)
    raw_total, raw_loop = min(raw_runs)[0], min(r[1] for r in raw_runs)
    print(f"{args.rows} rows, {len(COLUMNS)} columns, {args.block_mb} MB blocks, best of {args.rounds}")
    print(f"end to end   writer {args.rows / writer_total:10,.0f} rows/s   raw {args.rows / raw_total:10,.0f} rows/s"
          f"   ratio {raw_total / writer_total:.2f}")
    print(f"client side  writer {args.rows / writer_loop:10,.0f} rows/s   raw {args.rows / raw_loop:10,.0f} rows/s"
          f"   ratio {raw_loop / writer_loop:.2f}")


if __name__ == "__main__":
    main()
