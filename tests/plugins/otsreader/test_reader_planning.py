"""OTSReader's plan on a demo table the size of 300,000 rows (about 110 MiB:
include/devstack/demo_data.py) on the local Tablestore: automatic splits are about equal at every
concurrency, and explicit split points are packed into at most ``concurrent`` splits. The table
holds a tenth of those rows, each counted ten times its bytes by the server's split points (its
``size-scale`` admin route): the same cuts, loaded in seconds instead of a minute or two. The
rows per split are counted from the rows written, not from the code under test."""

from __future__ import annotations

import pytest

from devstack import demo_data
from localcloud.tablestore import control
from tablestore_channels.plugins.otsreader.config import OTSReaderConfig
from tablestore_channels.plugins.otsreader.reader import OTSRangeReader
from tests.support.exports import ots_client

TABLE = "plan_demo"
ROWS = 30_000
SIZE_SCALE = 10  # ROWS x SIZE_SCALE: the 300,000 rows the planning was first measured on
MAX_RATIO = 1.3  # largest / smallest split


@pytest.fixture(scope="module")
def demo_client(localcloud):
    client = ots_client(localcloud.endpoints)
    demo_data.create_table(client, TABLE)
    demo_data.load(client, ROWS, TABLE)
    control.set_size_scale(client.host, TABLE, SIZE_SCALE)
    return client


def _reader(client, **parameter) -> OTSRangeReader:
    return OTSRangeReader(client, OTSReaderConfig.from_parameter({"table": TABLE, **parameter}))


@pytest.mark.parametrize("concurrency", [2, 4, 8])
def test_automatic_splits_are_about_equal_at_every_concurrency(demo_client, concurrency):
    descriptors, _ = _reader(demo_client).plan(concurrency)
    rows = demo_data.rows_per_split(descriptors, ROWS)
    assert len(rows) == concurrency and sum(rows) == ROWS
    assert max(rows) / min(rows) <= MAX_RATIO, rows  # was 91 % / 9 % of the rows at 2 (a 100 MiB cut of 110 MiB)


def test_a_key_range_is_cut_within_itself(demo_client):
    begin, end = "dev-00100", "dev-00300"
    descriptors, _ = _reader(demo_client, range={"begin": [{"type": "string", "value": begin}],
                                                 "end": [{"type": "string", "value": end}]}).plan(4)
    rows = demo_data.rows_per_split(descriptors, ROWS)
    assert sum(rows) == 201 * ROWS // 500  # dev-00100 .. dev-00300: a key prefix as the end takes all of its rows
    assert len(rows) == 4 and max(rows) / min(rows) <= MAX_RATIO, rows
    assert descriptors[0]["ranges"][0]["start"][0] == begin and descriptors[-1]["ranges"][-1]["end"][0] == end


@pytest.mark.parametrize(("concurrency", "ranges_per_split"), [(1, [9]), (2, [4, 5]), (4, [2, 2, 2, 3]), (16, [1] * 9)])
def test_explicit_split_points_are_packed_into_at_most_concurrent_splits(demo_client, concurrency, ranges_per_split):
    points = [{"type": "string", "value": f"dev-{k:05d}"} for k in range(50, 450, 50)]  # 8 points, 9 ranges
    descriptors, _ = _reader(demo_client, range={"split": points}).plan(concurrency)
    assert [len(d["ranges"]) for d in descriptors] == ranges_per_split
    ranges = [r for d in descriptors for r in d["ranges"]]
    assert [r["index"] for r in ranges] == list(range(9))  # every range once, in key order
    assert all(a["end"] == b["start"] for a, b in zip(ranges, ranges[1:]))
    assert sum(demo_data.rows_per_split(descriptors, ROWS)) == ROWS
