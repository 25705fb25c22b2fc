"""GzipMember writes what gzip.GzipFile(filename="", mtime=0) writes, however the input is cut,
and a piece tried with write_below is kept only if the sink stays below the limit."""

from __future__ import annotations

import gzip
import io
import random

from tablestore_channels.formats.gzip_member import GzipMember


class Sink(io.BytesIO):
    @property
    def size(self) -> int:
        return len(self.getbuffer())


def lines(count: int) -> bytes:
    rnd = random.Random(7)
    return b"".join(f"dev-{rnd.randrange(50)},{rnd.random()},{rnd.randrange(10**6)}\n".encode() for _ in range(count))


def gzip_file(data: bytes) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(filename="", fileobj=out, mode="wb", mtime=0) as stream:
        stream.write(data)
    return out.getvalue()


def test_the_member_is_gzipfile_s_bytes_however_the_input_is_cut() -> None:
    data = lines(20_000)
    rnd = random.Random(3)
    for _ in range(3):
        sink = Sink()
        member = GzipMember(sink)
        position = 0
        while position < len(data):
            step = rnd.choice([1, 37, 4096, 100_000])
            member.write(data[position:position + step])
            position += step
        member.close()
        assert sink.getvalue() == gzip_file(data)
        assert gzip.decompress(sink.getvalue()) == data


def test_a_piece_is_kept_only_below_the_limit_and_the_sink_grows_as_line_by_line() -> None:
    data = lines(30_000)
    pieces = [data[i:i + 50_000] for i in range(0, len(data), 50_000)]
    sink, by_line = Sink(), Sink()
    member, line_member = GzipMember(sink), GzipMember(by_line)
    limit = 40_000
    refused = 0
    for piece in pieces:
        before = sink.getvalue()
        if member.write_below(piece, limit):
            for line in piece.splitlines(keepends=True):
                line_member.write(line)
                assert by_line.size < limit  # line by line, no line would have reached it
            assert sink.size < limit
        else:
            refused += 1
            assert sink.getvalue() == before
    assert refused
    member.close()
    line_member.close()
    kept = gzip.decompress(sink.getvalue())
    assert sink.getvalue() == by_line.getvalue() == gzip_file(kept)
