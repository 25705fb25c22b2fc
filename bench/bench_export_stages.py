"""Where a full export's time goes, stage by stage (issue 16): CPU µs per row in this process.

The demo table's GetRange pages are fetched once from the local server and kept, so every stage
after the transport runs on the same rows from memory:

- ``sdk request``: the raw GetRange loop's own CPU less the decode (request encoding, signing,
  HTTP) - the server's time and the wait for it are the loop's wall time less its CPU;
- ``decode``: the SDK turning the response bodies into Rows (protobuf, PlainBuffer);
- ``row mapping``: OTSRangeReader turning Rows into records (its prefetch thread included);
- ``channel``: the transfer loop's work (counting, throttle, progress), page by page into a sink
  that keeps nothing;
- ``value formatting`` and ``encoding``: the CSV encoder on the pages, less the same encoder on
  pages whose values are already text (which is the encoding alone);
- ``sink``: the OSS split writer's object buffer and checksum (writer into a bucket that drops
  the bytes, less formatting and encoding);
- ``compression``: what ``compress: gzip`` adds;
- ``upload``: the staged parts sent to the local OSS (wall time; CPU here);
- Parquet: the writer's checks of the pages, then the Arrow conversion and Parquet encoding.

Times are the best of ``--runs`` CPU times (process_time, all threads), so other work on a
shared machine skews them little; the transport figures are wall times.

Run: .venv/bin/python bench/bench_export_stages.py [--rows 50000] [--runs 3]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import tablestore

from devstack import demo_data
from devstack.connections import DirectConnections
from localcloud.process import LocalCloudProcess
from tablestore_channels.channel.dirty import DirtyRecords
from tablestore_channels.channel.progress import Progress
from tablestore_channels.channel.throttle import ByteThrottle
from tablestore_channels.channel.transfer import transfer_pages
from tablestore_channels.config.setting import ErrorLimit
from tablestore_channels.formats.delimited import DelimitedFormat
from tablestore_channels.formats.parquet import ParquetRecordWriter
from tablestore_channels.plugins.osswriter.config import OSSWriterConfig
from tablestore_channels.plugins.osswriter.upload import StreamedObject
from tablestore_channels.plugins.osswriter.writer import OSSWriter
from tablestore_channels.plugins.otsreader.config import OTSReaderConfig
from tablestore_channels.plugins.otsreader.reader import OTSRangeReader, TableInfo


class ReplayClient:
    """Answers GetRange with the pages kept from the server, in order."""

    def __init__(self, pages: list[tuple]) -> None:
        self.pages = pages
        self.next = 0

    def get_range(self, *args: Any, **kwargs: Any) -> tuple:
        page = self.pages[self.next]
        self.next += 1
        return page


class NullBucket:
    """A bucket that accepts parts and drops them."""

    bucket_name = "null"

    def init_multipart_upload(self, key: str) -> SimpleNamespace:
        return SimpleNamespace(upload_id="null")

    def upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> SimpleNamespace:
        return SimpleNamespace(etag=str(number))

    def put_object(self, key: str, data: bytes) -> None:
        pass


class NullSink:
    """Takes every page whole and keeps nothing."""

    def write(self, record: tuple) -> int:
        return 0

    def write_page(self, records: list) -> tuple[int, int]:
        return len(records), 0


def best_cpu(action: Callable[[], Any], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        action()
        best = min(best, time.process_time() - started)
    return best


def capture(client: Any, table: str) -> tuple[list[bytes], float, float]:
    """The GetRange response bodies of a raw loop over ``table``; its wall and CPU seconds."""
    decoder = client.protocol.decoder
    decode = decoder.api_decode_map["GetRange"]
    bodies: list[bytes] = []

    def keep(body: bytes, request_id: str) -> Any:
        bodies.append(body)
        return decode(body, request_id)

    decoder.api_decode_map["GetRange"] = keep
    start = [(n, tablestore.INF_MIN) for n, _ in demo_data.PRIMARY_KEY]
    end = [(n, tablestore.INF_MAX) for n, _ in demo_data.PRIMARY_KEY]
    wall, cpu = time.perf_counter(), time.process_time()
    while start:
        _, start, _, _ = client.get_range(table, tablestore.Direction.FORWARD, start, end)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    decoder.api_decode_map["GetRange"] = decode
    return bodies, wall, cpu


def records_of(pages: list[tuple]) -> Iterator[list[tuple]]:
    """The reader's pages of records of the kept pages (all columns: the table's predefined ones)."""
    reader = OTSRangeReader(ReplayClient(pages), OTSReaderConfig(table=demo_data.TABLE, columns=()))
    table = TableInfo(demo_data.TABLE, tuple(demo_data.PRIMARY_KEY), tuple(n for n, _ in demo_data.COLUMNS),
                      tuple(t for _, t in demo_data.COLUMNS))
    return reader.read_range(table, reader.plan_ranges(table, 1)[0])


def run_transfer(pages: list[list[tuple]], sink: Any, columns: list[str]) -> None:
    dirty = DirtyRecords(ErrorLimit(), lambda line: None, columns, 0)
    gc.freeze()  # as the channel does for a split's transfer (transfer.move)
    try:
        transfer_pages(pages, sink, dirty, ByteThrottle(None), Progress("stages", interval=1e9))
    finally:
        gc.unfreeze()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = args.runs
    columns = [n for n, _ in demo_data.PRIMARY_KEY] + [n for n, _ in demo_data.COLUMNS]
    with tempfile.TemporaryDirectory() as tmp, LocalCloudProcess(Path(tmp), services=("tablestore", "oss")) as cloud:
        conns = DirectConnections(cloud.endpoints)
        client = conns.tablestore(None)
        demo_data.create_table(client)
        demo_data.load(client, args.rows)
        capture(client, demo_data.TABLE)  # warm the server and the connection
        bodies, raw_wall, raw_cpu = capture(client, demo_data.TABLE)
        decoder = client.protocol.decoder
        pages = [decoder.decode_response("GetRange", body, "")[0] for body in bodies]
        rows = sum(len(page[2]) for page in pages)
        record_pages = list(records_of(pages))
        records = [record for page in record_pages for record in page]
        assert len(records) == rows == args.rows, (len(records), rows)
        csv = DelimitedFormat("csv")
        # the records with every value already text (only strings ever need quotes: they stay)
        text_pages = [[tuple(v if v is None or isinstance(v, str) else csv.encode_record([v])[:-1].decode()
                             for v in r) for r in page] for page in record_pages]

        def writer_into(bucket: Any, compress: str = "none", file_format: str = "csv") -> Callable[[], None]:
            config = OSSWriterConfig(object="stages/", write_mode="truncate", file_format=file_format,
                                     compress=compress)

            def action() -> None:
                sink = OSSWriter(bucket, config, "stages").open_split(0, columns, {"column_types": None})
                run_transfer(record_pages, sink, columns)
                sink.close()

            return action

        figures: dict[str, float] = {}
        figures["decode"] = best_cpu(lambda: [decoder.decode_response("GetRange", b, "") for b in bodies], runs)
        figures["sdk request"] = max(raw_cpu - figures["decode"], 0.0)
        figures["row mapping"] = best_cpu(lambda: list(records_of(pages)), runs)
        figures["channel"] = best_cpu(lambda: run_transfer(record_pages, NullSink(), columns), runs)
        encode_all = best_cpu(lambda: [csv.encode_records(page) for page in record_pages], runs)
        figures["encoding"] = best_cpu(lambda: [csv.encode_records(page) for page in text_pages], runs)
        figures["value formatting"] = max(encode_all - figures["encoding"], 0.0)
        csv_writer = best_cpu(writer_into(NullBucket()), runs)
        figures["sink"] = max(csv_writer - figures["channel"] - encode_all, 0.0)
        figures["compression (gzip)"] = max(best_cpu(writer_into(NullBucket(), "gzip"), runs) - csv_writer, 0.0)
        data = b"".join(csv.encode_records(page) or b"" for page in record_pages)
        bucket = conns.oss_bucket(None)

        def upload() -> None:
            with ThreadPoolExecutor(2) as pool:
                sink = StreamedObject(bucket, "stages/upload", OSSWriter(bucket, OSSWriterConfig(
                    object="stages/", write_mode="truncate"), "stages").retry, pool)
                sink.write(data)
                sink.close()

        began = time.perf_counter()
        figures["upload"] = best_cpu(upload, runs)
        upload_wall = (time.perf_counter() - began) / runs
        parquet_checks = best_cpu(lambda: [w.write_page(p) for w in [ParquetRecordWriter(
            NullSink(), columns, row_group_rows=rows + 1)] for p in record_pages], runs)

        def parquet_all() -> None:
            writer = ParquetRecordWriter(SimpleNamespace(write=len), columns, row_group_rows=rows + 1)
            for page in record_pages:
                writer.write_page(page)
            writer.close()

        figures["parquet checks"] = parquet_checks
        figures["parquet arrow + encoding"] = max(best_cpu(parquet_all, runs) - parquet_checks, 0.0)
        parquet_writer = best_cpu(writer_into(NullBucket(), file_format="parquet"), runs)

    def us(seconds: float) -> str:
        return f"{seconds / rows * 1e6:6.2f} µs/row"

    print(f"{rows:,} rows of {demo_data.TABLE} in {len(pages)} GetRange pages; CPU, best of {runs}")
    print(f"raw GetRange loop: {rows / raw_wall:,.0f} rows/s, wall {us(raw_wall)}, its CPU here {us(raw_cpu)} "
          f"(server and waiting: {us(raw_wall - raw_cpu)})")
    for name, seconds in figures.items():
        print(f"  {name:<26} {us(seconds)}")
    csv_total = figures["decode"] + figures["sdk request"] + csv_writer + figures["row mapping"]
    print(f"csv export, this process's CPU: {us(csv_total)} (writer {us(csv_writer)}); "
          f"parquet: writer {us(parquet_writer)}")
    print(f"upload of {len(data) / 1e6:.1f} MB to the local OSS: {len(data) / upload_wall / 1e6:.0f} MB/s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
