"""The channel: page by page when both sides can, record by record otherwise, counting the same."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from tablestore_channels.channel.dirty import DirtyRecords
from tablestore_channels.channel.progress import Progress
from tablestore_channels.channel.throttle import ByteThrottle
from tablestore_channels.channel.transfer import move
from tablestore_channels.config.setting import ErrorLimit
from tablestore_channels.errors import DirtyRecord

PAGES = [[("a", 1), ("b", 2), ("bad", 3)], [], [("c", 4), ("d", 5)]]


class Sink:
    """Takes pages up to its first record that starts with 'b', which it leaves to write();
    'bad' is dirty."""

    def __init__(self, paged: bool) -> None:
        self.records: list[tuple] = []
        self.dirty_lines: list[bytes] = []
        self.calls: list[str] = []
        if paged:
            self.write_page = self._write_page

    def _write_page(self, records: Sequence[tuple]) -> tuple[int, int]:
        self.calls.append("page")
        taken = next((i for i, r in enumerate(records) if r[0].startswith("b")), len(records))
        self.records += records[:taken]
        return taken, 10 * taken

    def write(self, record: tuple) -> int:
        self.calls.append("write")
        if record[0] == "bad":
            raise DirtyRecord("bad record", column=0)
        self.records.append(record)
        return 10

    def write_dirty(self, line: bytes) -> None:
        self.dirty_lines.append(line)

    def close(self) -> dict:
        return {}

    def abort(self) -> None:
        return None


class Reader:
    def __init__(self, paged: bool) -> None:
        if paged:
            self.read_pages = lambda descriptor: iter(PAGES)

    @classmethod
    def from_connections(cls, config, connections, run_key):
        raise NotImplementedError

    def plan(self, concurrency: int):
        raise NotImplementedError

    def read(self, descriptor: dict) -> Iterator[tuple]:
        return (record for page in PAGES for record in page)


def run(reader_paged: bool, sink_paged: bool):
    sink = Sink(sink_paged)
    dirty = DirtyRecords(ErrorLimit(record=5), sink.write_dirty, ["k", "n"], 0)
    progress = Progress("test")
    stats = move(Reader(reader_paged), {}, sink, dirty, ByteThrottle(None), progress)
    return stats, sink, progress


def test_pages_move_whole_and_the_rest_of_a_page_goes_record_by_record():
    stats, sink, progress = run(True, True)
    assert (stats.read, stats.dirty, stats.bytes, progress.rows) == (5, 1, 40, 4)
    assert sink.records == [("a", 1), ("b", 2), ("c", 4), ("d", 5)]
    assert sink.calls == ["page", "write", "write", "page", "page"]
    assert b'"reason": "bad record"' in sink.dirty_lines[0]


def test_records_move_one_by_one_unless_both_sides_do_pages():
    for reader_paged, sink_paged in ((False, True), (True, False), (False, False)):
        stats, sink, progress = run(reader_paged, sink_paged)
        assert (stats.read, stats.dirty, stats.bytes, progress.rows) == (5, 1, 40, 4)
        assert sink.records == [("a", 1), ("b", 2), ("c", 4), ("d", 5)]
        assert set(sink.calls) == {"write"}
