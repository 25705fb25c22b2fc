"""Benchmark of the local Tablestore server's reads: GetRange rows per second, GetRow calls per second.

Loads ROWS rows of 10 attribute columns (~200 bytes of values) with BatchWriteRow, then reads the
whole table with raw GetRange requests: built and signed by the SDK's own protocol objects, the
responses checked (MD5, signature) and parsed down to ``next_start_primary_key`` only; the rows
are not decoded, so the figure is the server's (plus HTTP), not the SDK's row decoder. A final
untimed pass decodes everything with the SDK to check the row count. Then GETS raw GetRow
requests of random rows, one at a time, checked to have found their row.

    .venv/bin/python bench/bench_tablestore_server.py [--rows 200000] [--passes 3] [--gets 5000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import tablestore.protobuf.table_store_pb2 as sdk
from tablestore import (
    INF_MAX,
    INF_MIN,
    BatchWriteRowRequest,
    CapacityUnit,
    OTSClient,
    PutRowItem,
    ReservedThroughput,
    Row,
    TableInBatchWriteRowItem,
    TableMeta,
    TableOptions,
)
from tablestore.auth import RequestContext
from tablestore.plainbuffer.plain_buffer_builder import PlainBufferBuilder

from localcloud.process import LocalCloudProcess

TABLE = "bench"
BATCH = 200


def make_row(i: int) -> Row:
    attributes = [(f"i{k}", i * 10 + k) for k in range(5)]
    attributes += [(f"s{k}", f"value-{k}-{i:012d}-abcdefghijklm") for k in range(5)]
    return Row([("id", i)], attributes)


def load(client: OTSClient, rows: int) -> float:
    started = time.perf_counter()
    for first in range(0, rows, BATCH):
        items = [PutRowItem(make_row(i), None) for i in range(first, min(first + BATCH, rows))]
        request = BatchWriteRowRequest()
        request.add(TableInBatchWriteRowItem(TABLE, items))
        result = client.batch_write_row(request)
        if not result.is_all_succeed():
            raise RuntimeError("BatchWriteRow failed")
    return time.perf_counter() - started


def raw_call(client: OTSClient, api: str, request, response):
    """One signed round trip of ``request``, the answer checked by the SDK and parsed into ``response``."""
    body = request.SerializeToString()
    query = f"/{api}"
    context = RequestContext(client.credentials_provider.get_credentials())
    headers = client.protocol._make_request_headers(body, query, client._signer, context)
    status, reason, res_headers, res_body = client.connection.send_receive(query, headers, body)
    client.protocol.handle_error(api, query, status, reason, res_headers, res_body, client._signer, context)
    response.ParseFromString(res_body)
    return response


def raw_get_range(client: OTSClient, start_key: bytes, end_key: bytes) -> tuple[int, bytes]:
    """One GetRange: (bytes of rows received, next start key or b"")."""
    request = sdk.GetRangeRequest(table_name=TABLE, direction=sdk.FORWARD, max_versions=1,
                                  inclusive_start_primary_key=start_key, exclusive_end_primary_key=end_key)
    response = raw_call(client, "GetRange", request, sdk.GetRangeResponse())
    return len(response.rows), response.next_start_primary_key


def get_rows(client: OTSClient, rows: int, count: int) -> float:
    """Seconds for ``count`` GetRow calls of random existing rows."""
    keys = [bytes(PlainBufferBuilder.serialize_primary_key([("id", random.randrange(rows))])) for _ in range(count)]
    started = time.perf_counter()
    for key in keys:
        response = raw_call(client, "GetRow", sdk.GetRowRequest(table_name=TABLE, primary_key=key, max_versions=1),
                            sdk.GetRowResponse())
        if not response.row:
            raise RuntimeError("GetRow found no row")
    return time.perf_counter() - started


def scan_raw(client: OTSClient) -> tuple[int, int]:
    """Read the whole table; returns (pages, bytes of rows)."""
    start = bytes(PlainBufferBuilder.serialize_primary_key([("id", INF_MIN)]))
    end = bytes(PlainBufferBuilder.serialize_primary_key([("id", INF_MAX)]))
    pages = size = 0
    while start:
        received, start = raw_get_range(client, start, end)
        pages += 1
        size += received
    return pages, size


def count_decoded(client: OTSClient) -> int:
    count, start = 0, [("id", INF_MIN)]
    while start:
        _, start, rows, _ = client.get_range(TABLE, "FORWARD", start, [("id", INF_MAX)])
        count += len(rows)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--gets", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, LocalCloudProcess(Path(tmp), services=("tablestore",)) as cloud:
        info = cloud.endpoints["tablestore"]
        client = OTSClient(info["endpoint"], info["access_key_id"], info["access_key_secret"], info["instance"])
        client.create_table(TableMeta(TABLE, [("id", "INTEGER")]), TableOptions(),
                            ReservedThroughput(CapacityUnit(0, 0)))
        seconds = load(client, args.rows)
        print(f"load: {args.rows} rows in {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s, BatchWriteRow x{BATCH})")
        best = None
        for number in range(1, args.passes + 1):
            started = time.perf_counter()
            pages, size = scan_raw(client)
            seconds = time.perf_counter() - started
            rate = args.rows / seconds
            best = rate if best is None else max(best, rate)
            print(f"GetRange pass {number}: {args.rows} rows, {pages} pages, {size / 1e6:.1f} MB in "
                  f"{seconds:.2f} s = {rate:,.0f} rows/s ({size / 1e6 / seconds:.0f} MB/s)")
        counted = count_decoded(client)
        if counted != args.rows:
            raise SystemExit(f"row count mismatch: decoded {counted}, loaded {args.rows}")
        print(f"best GetRange: {best:,.0f} rows/s (row count checked by an SDK-decoded pass: {counted})")
        seconds = get_rows(client, args.rows, args.gets)
        print(f"GetRow: {args.gets} calls in {seconds:.2f} s = {args.gets / seconds:,.0f} calls/s")


if __name__ == "__main__":
    main()
