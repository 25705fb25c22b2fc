"""The demo table: IoT-style readings, written as whole rows (as the seed asks for Stream use),
with BINARY and DOUBLE columns, stream enabled. Used by ``make demo``, the tests and the
benchmarks, so all three exercise the same data."""

from __future__ import annotations

import bisect
import functools
import math
import random
import struct
from collections.abc import Iterator

import tablestore

from tablestore_channels.ots_client import keys
from tablestore_channels.ots_client.models import StreamSpec

TABLE = "iot_readings"
PRIMARY_KEY = [("device_id", "STRING"), ("ts", "INTEGER")]
COLUMNS = [
    ("temperature", "DOUBLE"), ("humidity", "DOUBLE"), ("battery", "INTEGER"), ("online", "BOOLEAN"),
    ("status", "STRING"), ("firmware", "STRING"), ("site", "STRING"), ("raw_frame", "BINARY"),
]
_STATUSES = ["ok", "ok", "ok", "degraded", "needs \"service\"", "offline, unreachable"]
_SITES = ["Hangzhou-1", "Shanghai/2", "Beijing 3", "Shenzhen\n4", "Chengdu;5"]
_BASE_TS = 1_780_000_000_000  # ms


def create_table(client, table: str = TABLE, stream_hours: int = 24) -> None:
    """(Re)create the demo table with its predefined columns and a stream."""
    if table in client.list_table():
        client.delete_table(table)
    meta = tablestore.TableMeta(table, PRIMARY_KEY, defined_columns=[(n, t) for n, t in COLUMNS])
    client.create_table(meta, tablestore.TableOptions(time_to_live=-1, max_version=1),
                        tablestore.ReservedThroughput(tablestore.CapacityUnit(0, 0)),
                        stream_spec=StreamSpec(enable=True, expiration_time_hours=stream_hours))


def rows(count: int, devices: int = 500, seed: int = 7) -> Iterator[tuple[list, list]]:
    """``count`` readings as (primary key, attribute columns), deterministic for a seed."""
    rnd = random.Random(seed)
    for i in range(count):
        device = f"dev-{i % devices:05d}"
        temperature = round(rnd.uniform(-20, 45), 3) if i % 97 else math.pi * 1e-300  # a tiny double too
        attrs = [
            ("temperature", temperature), ("humidity", rnd.random()), ("battery", rnd.randint(0, 100)),
            ("online", rnd.random() > 0.1), ("status", _STATUSES[i % len(_STATUSES)]),
            ("firmware", f"v{1 + i % 3}.{i % 10}"), ("site", _SITES[i % len(_SITES)]),
            ("raw_frame", bytearray(struct.pack("<Iq", i, rnd.getrandbits(63)))),
        ]
        yield [("device_id", device), ("ts", _BASE_TS + (i // devices) * 1000)], attrs


def load(client, count: int, table: str = TABLE, batch: int = 200) -> int:
    """Write ``count`` rows with BatchWriteRow (whole-row PutRow); returns the count."""
    pending: list = []

    def flush() -> None:
        request = tablestore.BatchWriteRowRequest()
        request.add(tablestore.TableInBatchWriteRowItem(table, pending))
        result = client.batch_write_row(request)
        failed = [r for r in result.get_failed_of_put() if not r.is_ok]
        if failed:
            raise RuntimeError(f"{len(failed)} rows failed to load: {failed[0].error_code} {failed[0].error_message}")
        pending.clear()

    for pk, attrs in rows(count):
        pending.append(tablestore.PutRowItem(tablestore.Row(pk, attrs), tablestore.Condition(tablestore.RowExistenceExpectation.IGNORE)))
        if len(pending) == batch:
            flush()
    if pending:
        flush()
    return count


def rows_per_split(descriptors: list[dict], count: int) -> list[int]:
    """How many of the ``count`` rows :func:`load` writes fall in each OTSReader split descriptor
    (forward ranges), worked out from the rows themselves, not by reading the table."""
    ordered = _sorted_keys(count)
    counts = []
    for descriptor in descriptors:
        inside = 0
        for bounds in descriptor["ranges"]:
            low, high = (keys.row_key([keys.from_json(v) for v in bounds[end]]) for end in ("start", "end"))
            inside += bisect.bisect_left(ordered, high) - bisect.bisect_left(ordered, low)
        counts.append(inside)
    return counts


@functools.cache
def _sorted_keys(count: int) -> list:
    return sorted(keys.row_key([value for _, value in pk]) for pk, _ in rows(count))
