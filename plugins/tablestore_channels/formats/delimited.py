"""Delimited files (DataX ``fileFormat`` ``csv`` and ``text``): one record per line.

- ``csv``: RFC 4180 quoting. A field is quoted when it contains the delimiter, a quote, CR or LF,
  and also when its text equals ``nullFormat``, so a real string ``"null"`` (or an empty string
  with ``nullFormat: ""``) never reads back as null. Unquoted fields equal to ``nullFormat`` are
  null; quoted fields never are.
- ``text``: a plain join without any escaping. A value that cannot be written unambiguously (it
  contains the delimiter, CR or LF, or its text equals ``nullFormat``) is a dirty record rather
  than a silently changed one.

:meth:`DelimitedFormat.encode_records` writes many records at once, column by column, byte for
byte as :meth:`~DelimitedFormat.encode_record` writes each (the export's hot path); a batch it
cannot take whole (a dirty record, a rare type) is left to ``encode_record``.

Values are never trimmed or otherwise altered; the typed text forms live in
:mod:`tablestore_channels.formats.values`.
"""

from __future__ import annotations

import codecs
import datetime as dt
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import call
from typing import IO, Any

from tablestore_channels.errors import ConfigError, DirtyRecord
from tablestore_channels.formats.java_date import compile_java_date_pattern
from tablestore_channels.formats.values import (
    render_binaries,
    render_binary,
    render_bool,
    render_float,
    render_floats,
)
from tablestore_channels.pages import ColumnarPage, Repeated

_KINDS = ("csv", "text")
_BOOL_TEXTS = {value: render_bool(value) for value in (False, True)}  # a C-level lookup
_NONE = type(None)
# the characters of every text a type renders as (float: its repr and the specials; binary: base64)
_DIGITS = "0123456789"
_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" + _DIGITS + "+/="
_ALPHABETS = {int: "-" + _DIGITS, float: "-+.e" + _DIGITS + "NaInfity", bool: "truefals",
              bytes: _BASE64, bytearray: _BASE64, memoryview: _BASE64}
# Codecs that encode each character on its own, so a batch of lines can be encoded as one text;
# others (ISO-2022, UTF-7...) carry a state from one character to the next.
_STATELESS_CODECS = frozenset({"utf-8", "ascii", "iso8859-1", "gbk", "gb18030", "gb2312"})
_READ_CHUNK = 1 << 20
# A quoted field left open by a broken file would otherwise swallow the rest of it.
_MAX_RECORD_CHARS = 64 << 20


@dataclass(frozen=True)
class DelimitedFormat:
    """Settings of a delimited file, validated on creation; encodes and decodes records.

    :param kind: ``csv`` (quoted as needed) or ``text`` (plain join).
    :param field_delimiter: one character for csv (not a quote, CR or LF); any non-empty text
        without CR/LF for text.
    :param encoding: a Java/Python charset name such as ``UTF-8``, ``GBK``, ``ISO-8859-1``; it must
        write line ends as ASCII (UTF-16/32 cannot be used).
    :param null_format: the text written for null; may be empty.
    :param date_format: Java ``SimpleDateFormat`` pattern for ``date``/``datetime`` values.
    """

    kind: str
    field_delimiter: str = ","
    encoding: str = "UTF-8"
    null_format: str = "null"
    date_format: str = "yyyy-MM-dd HH:mm:ss"
    _renderers: dict[type, Callable[[Any], str]] = field(init=False, repr=False, compare=False)
    _mixed_renderers: dict[type, Callable[[Any], str]] = field(init=False, repr=False, compare=False)
    _column_renderers: dict[type, Callable[[Sequence[Any]], Sequence[str]]] = field(
        init=False, repr=False, compare=False)
    _special: re.Pattern[str] = field(init=False, repr=False, compare=False)  # see __post_init__
    _plain_types: frozenset[type] = field(init=False, repr=False, compare=False)
    _codec: str = field(init=False, repr=False, compare=False)
    _csv: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ConfigError("fileFormat", f"{self.kind!r} is not a delimited format.", "use csv or text.")
        self._check_encoding()
        object.__setattr__(self, "_codec", codecs.lookup(self.encoding).name)
        object.__setattr__(self, "_csv", self.kind == "csv")
        self._check_delimiter()
        # what a field cannot hold as it is: quoted in csv, dirty in text (a plain join)
        object.__setattr__(self, "_special", re.compile("[" + re.escape(self.field_delimiter + "\r\n")
                                                        + ('"' if self._csv else "") + "]"))
        # the types whose every text is written of characters other than the delimiter (and never
        # a quote or a line break): a column of them needs no scan
        object.__setattr__(self, "_plain_types", frozenset(kind for kind, alphabet in _ALPHABETS.items()
                                                           if self.field_delimiter not in alphabet))
        self._check_null_format()
        render_date = compile_java_date_pattern(self.date_format)
        object.__setattr__(self, "_renderers", {
            bool: _BOOL_TEXTS.__getitem__, int: int.__repr__, float: render_float, bytes: render_binary,
            bytearray: render_binary, memoryview: render_binary, dt.datetime: render_date,
            dt.date: render_date, str: str.__str__,
        })
        # a column of several types: each value's renderer by its exact type (float.__repr__
        # differs from render_float only for the specials, which encode_records checks for)
        object.__setattr__(self, "_mixed_renderers", {
            **self._renderers, float: float.__repr__, _NONE: {None: self.null_format}.__getitem__})
        # the same renderings of a whole column of one type without nulls
        object.__setattr__(self, "_column_renderers", {
            bool: lambda values: list(map(_BOOL_TEXTS.__getitem__, values)),
            int: lambda values: list(map(int.__repr__, values)), float: render_floats,
            bytes: render_binaries, bytearray: render_binaries, memoryview: render_binaries,
            dt.datetime: lambda values: list(map(render_date, values)),
            dt.date: lambda values: list(map(render_date, values)), str: lambda values: values,
        })

    def _check_encoding(self) -> None:
        try:
            codecs.lookup(self.encoding)
            newline = "\n".encode(self.encoding)  # also refuses non-text codecs such as base64
        except LookupError:
            raise ConfigError("encoding", f"unknown charset {self.encoding!r}.",
                              "use a charset name such as UTF-8, GBK or ISO-8859-1.") from None
        if newline != b"\n":
            raise ConfigError("encoding", f"{self.encoding} does not write line ends as single bytes, "
                              "so lines cannot be split.", "use UTF-8.")

    def _check_delimiter(self) -> None:
        delimiter = self.field_delimiter
        if self.kind == "csv" and (len(delimiter) != 1 or delimiter in '"\r\n'):
            raise ConfigError("fieldDelimiter", f"{delimiter!r} cannot delimit csv fields: it must be "
                              "exactly one character other than a double quote, CR or LF.",
                              "use e.g. ',' or '\\t'.")
        if self.kind == "text" and (not delimiter or "\r" in delimiter or "\n" in delimiter):
            raise ConfigError("fieldDelimiter", f"{delimiter!r} cannot delimit text fields: it must be "
                              "non-empty and contain no CR or LF.", "use e.g. ',' or '\\t'.")
        self._check_encodable("fieldDelimiter", delimiter)

    def _check_null_format(self) -> None:
        null = self.null_format
        forbidden = "\r\n" + ('"' if self.kind == "csv" else "")
        if any(char in null for char in forbidden) or self.field_delimiter in null:
            raise ConfigError("nullFormat", f"{null!r} contains the field delimiter, a line break or a "
                              "quote, so a null could not be told from data.", "use e.g. null or \\N.")
        self._check_encodable("nullFormat", null)

    def _check_encodable(self, key: str, text: str) -> None:
        try:
            text.encode(self.encoding)
        except UnicodeEncodeError:
            raise ConfigError(key, f"{text!r} cannot be written in {self.encoding}.",
                              f"choose text that {self.encoding} can represent.") from None

    # ---- writing ---------------------------------------------------------------------------------

    def encode_record(self, values: Sequence[Any]) -> bytes:
        """One record as one encoded line ending in ``\\n``.

        :raises DirtyRecord: (with ``column``) for a value of an unsupported type, a value the text
            format cannot represent, or characters the encoding cannot represent.
        """
        null = self.null_format
        renderers = self._renderers
        render_other = self._render_subclass
        try:
            fields = [value if type(value) is str else null if value is None
                      else (renderers.get(type(value)) or render_other)(value) for value in values]
        except DirtyRecord:
            raise self._unrenderable(values) from None
        delimiter = self.field_delimiter
        line = delimiter.join(fields)
        # A few C-speed scans of the whole line decide whether any field needs a closer look: a
        # value rendered as nullFormat (more nullFormat texts than nulls), a line break, a
        # delimiter or quote inside a value.
        if (fields.count(null) != values.count(None) or "\n" in line or "\r" in line
                or line.count(delimiter) != len(fields) - 1 or (self._csv and '"' in line)
                or (len(delimiter) > 1 and line.split(delimiter) != fields)):
            line = self._quote(values, fields) if self._csv else self._refuse(values, fields)
        try:
            return (line + "\n").encode(self._codec)
        except UnicodeEncodeError:
            raise self._unencodable(fields) from None

    def encode_records(self, records: Sequence[Sequence[Any]]) -> bytes | None:
        """Many records as their lines, exactly the bytes :meth:`encode_record` gives for each in
        turn; None when one of them needs ``encode_record`` (it may be dirty, a value's type may
        be a subclass, the text format's delimiter may be longer than one character)."""
        if not records:
            return b""
        if len(self.field_delimiter) > 1:
            return None
        if isinstance(records, ColumnarPage):  # the reader's columns, as they are
            columns: Iterable[Sequence[Any]] = records.columns
            if not records.columns:
                return None
        else:
            widths = set(map(len, records))
            if len(widths) != 1 or 0 in widths:
                return None
            columns = zip(*records)
        texts = []
        for column in columns:
            runs = column if isinstance(column, Repeated) else None  # each run's value rendered once
            rendered = self._column_texts(column if runs is None else runs.values)
            if rendered is None:
                return None
            texts.append(rendered if runs is None else runs.expand(rendered))
        lines = map(self.field_delimiter.join, zip(*texts))
        try:
            if self._codec in _STATELESS_CODECS:
                return ("\n".join(lines) + "\n").encode(self._codec)
            return b"".join([(line + "\n").encode(self._codec) for line in lines])
        except UnicodeEncodeError:
            return None

    def _column_texts(self, column: Sequence[Any]) -> Sequence[str] | None:
        """The fields of one column of a batch, quoted as needed; None if a record needs
        :meth:`encode_record`."""
        null = self.null_format
        types = set(map(type, column))
        nulls = _NONE in types
        types.discard(_NONE)
        texts: Sequence[str]
        try:
            if types == {int} and (nulls or _repeats(column)):
                # each distinct value rendered once (a stream's timestamps and keys repeat)
                distinct = set(column)
                distinct.discard(None)
                rendered = dict(zip(distinct, map(int.__repr__, distinct)))
                texts = list(map(rendered.get, column, itertools.repeat(null)))
                clash = null in rendered.values()
            elif len(types) == 1 and not nulls:
                render = self._column_renderers.get(next(iter(types)))
                if render is None:
                    return None
                texts = render(column)
                clash = null in texts
            elif types == {str}:  # and nulls: the texts as they are, nullFormat for each null
                texts = list(map({None: null}.get, column, column))
                clash = texts.count(null) != column.count(None)
            elif types <= self._renderers.keys():
                # each value's renderer by its type, all C calls but for a few types' renderers
                texts = list(map(call, map(self._mixed_renderers.__getitem__, map(type, column)), column))
                if float in types and ("nan" in texts or "inf" in texts or "-inf" in texts):
                    renderers = self._renderers  # (float.__repr__'s specials: by render_float)
                    texts = [null if value is None else renderers[value.__class__](value) for value in column]
                clash = texts.count(null) != column.count(None)
            else:
                return None
        except DirtyRecord:
            return None
        if clash:  # a value renders as nullFormat: quoted in csv, dirty in text
            if not self._csv:
                return None
            special = self._special.search
            return [_quoted(text) if value is not None and (text == null or special(text)) else text
                    for value, text in zip(column, texts)]
        unsure = types - self._plain_types  # (texts of the others never hold the delimiter, a quote, CR or LF)
        if not unsure:
            return texts
        if unsure == {str} and len(types) > 1:
            # a column of several types (a stream's values): only its strings can need quotes
            candidates = set(itertools.compress(column, map(operator.is_, map(type, column), itertools.repeat(str))))
        else:
            # C-speed scans of the whole column, as encode_record scans a line: a line break, the
            # delimiter or a quote inside a value
            blob = "\0".join(texts)
            if not ("\n" in blob or "\r" in blob or self.field_delimiter in blob or (self._csv and '"' in blob)):
                return texts
            candidates = set(texts)
        # the few distinct texts that need quotes (nullFormat holds none of those characters)
        needing = set(filter(self._special.search, candidates))
        if not needing:
            return texts
        if not self._csv:
            return None  # the text format cannot write some value: encode_record names it
        quoting = {text: _quoted(text) for text in needing}
        return list(map(quoting.get, texts, texts))

    def encode_header(self, names: Sequence[str]) -> bytes:
        """The header line (column names), encoded like a record of strings.

        :raises ConfigError: (key ``header``) when a name cannot be written in this format.
        """
        try:
            return self.encode_record([str(name) for name in names])
        except DirtyRecord as error:
            raise ConfigError("header", error.reason, "rename the column or use the csv format.") from None

    def _render_subclass(self, value: Any) -> str:
        # IntEnum, pendulum.DateTime, str subclasses...: rendered as their base type, in an order
        # that puts bool before int and datetime before date.
        for kind, render in self._renderers.items():
            if isinstance(value, kind):
                return render(value)
        raise DirtyRecord(f"a {type(value).__name__} value cannot be written to a delimited file")

    def _unrenderable(self, values: Sequence[Any]) -> DirtyRecord:
        for index, value in enumerate(values):
            try:
                if value is not None:
                    self._render_subclass(value)
            except DirtyRecord as error:
                return DirtyRecord(f"column {index}: {error.reason}", column=index)
        raise AssertionError("a value failed to render but renders now")  # pragma: no cover

    def _quote(self, values: Sequence[Any], fields: list[str]) -> str:
        delimiter, null, special = self.field_delimiter, self.null_format, self._special.search
        for index, (value, text) in enumerate(zip(values, fields)):
            if value is not None and (text == null or special(text)):
                fields[index] = _quoted(text)
        return delimiter.join(fields)

    def _refuse(self, values: Sequence[Any], fields: list[str]) -> str:
        delimiter, null = self.field_delimiter, self.null_format
        for index, (value, text) in enumerate(zip(values, fields)):
            if value is None:
                continue
            if text == null:
                problem = f"the value equals nullFormat {null!r} and would read back as null"
            elif "\r" in text or "\n" in text:
                problem = "the value contains a line break"
            elif delimiter in text:
                problem = f"the value contains the field delimiter {delimiter!r}"
            else:
                continue
            raise DirtyRecord(f"column {index}: {problem}; the text format cannot escape it "
                              "(the csv format can)", column=index)
        # Only a multi-character delimiter formed across two neighbouring values gets here.
        parts = delimiter.join(fields).split(delimiter)
        index = next(i for i, (part, text) in enumerate(zip(parts, fields)) if part != text)
        raise DirtyRecord(f"column {index}: the value forms the field delimiter {delimiter!r} with its "
                          "neighbour; the text format cannot escape it", column=index)

    def _unencodable(self, fields: list[str]) -> DirtyRecord:
        for index, text in enumerate(fields):
            try:
                text.encode(self.encoding)
            except UnicodeEncodeError as error:
                char = error.object[error.start:error.end]
                return DirtyRecord(f"column {index}: {char!r} cannot be written in {self.encoding}",
                                   column=index)
        raise AssertionError("the line failed to encode but none of its fields does")  # pragma: no cover

    # ---- reading ---------------------------------------------------------------------------------

    def iter_records(self, stream: IO[bytes]) -> Iterator[Sequence[str | None]]:
        """Records of a stream written with these settings, read in chunks; fields stay text.

        A header line comes back as the first record. A malformed record raises
        :class:`DirtyRecord` (its reason names the line); the iterator can then be advanced
        again to go on with the next line. Accepts ``\\n`` and ``\\r\\n`` line ends.
        """
        return _RecordReader(self, stream)


def _repeats(column: Sequence[Any]) -> bool:
    """Whether a sample of the column repeats its values (so rendering each distinct one pays)."""
    return len(column) >= 64 and len(set(column[:64])) <= 32


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _physical_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """Lines of ``stream`` without their ``\\n``; a last line without one is kept if not empty."""
    tail: list[bytes] = []
    while chunk := stream.read(_READ_CHUNK):
        if b"\n" not in chunk:
            tail.append(chunk)
            continue
        lines = chunk.split(b"\n")
        if tail:
            tail.append(lines[0])
            lines[0] = b"".join(tail)
        tail = [lines.pop()]
        yield from lines
    rest = b"".join(tail)
    if rest:
        yield rest


class _RecordReader(Iterator[Sequence[str | None]]):
    """Iterates records; survives a :class:`DirtyRecord` so the caller can count it and go on."""

    def __init__(self, fmt: DelimitedFormat, stream: IO[bytes]) -> None:
        self._lines = _physical_lines(stream)
        self._line_number = 0
        self._codec = fmt._codec
        self._charset = fmt.encoding
        self._delimiter = fmt.field_delimiter
        self._null = fmt.null_format
        self._csv = fmt.kind == "csv"

    def __iter__(self) -> _RecordReader:
        return self

    def __next__(self) -> Sequence[str | None]:
        line = self._next_line()
        if line is None:
            raise StopIteration
        if self._csv and '"' in line:
            return self._parse_quoted(line)
        if line.endswith("\r"):
            line = line[:-1]
        texts = line.split(self._delimiter)
        if self._null not in texts:
            return texts
        null = self._null
        return [None if text == null else text for text in texts]

    def _next_line(self) -> str | None:
        raw = next(self._lines, None)
        if raw is None:
            return None
        self._line_number += 1
        try:
            return raw.decode(self._codec)
        except UnicodeDecodeError as error:
            raise DirtyRecord(f"line {self._line_number}: bytes {raw[error.start:error.end]!r} at "
                              f"offset {error.start} are not valid {self._charset}") from None

    def _parse_quoted(self, text: str) -> list[str | None]:
        # A CR before a line's LF is data inside a quoted field, so it is dropped only where the
        # record really ends.
        delimiter, null = self._delimiter, self._null
        first_line = self._line_number
        fields: list[str | None] = []
        start = 0
        while True:
            if text.startswith('"', start):
                parts: list[str] = []
                position = start + 1
                while True:
                    quote = text.find('"', position)
                    if quote < 0:
                        text = self._continue_record(text, len(fields) + 1, first_line)
                        continue
                    if text.startswith('"', quote + 1):  # a doubled quote is one quote of data
                        parts.append(text[position:quote + 1])
                        position = quote + 2
                        continue
                    parts.append(text[position:quote])
                    start = quote + 1
                    break
                fields.append("".join(parts))
                if start == len(text) or (start == len(text) - 1 and text[start] == "\r"):
                    return fields
                if text[start] != delimiter:
                    raise DirtyRecord(f"line {self._line_number}: {text[start]!r} after the closing "
                                      f"quote of field {len(fields)}; expected the delimiter or the "
                                      "line end")
                start += 1
            else:
                end = text.find(delimiter, start)
                value = text[start:] if end < 0 else text[start:end]
                if end < 0 and value.endswith("\r"):
                    value = value[:-1]
                if '"' in value:
                    raise DirtyRecord(f"line {self._line_number}: a quote inside unquoted field "
                                      f"{len(fields) + 1}; quoted fields must start with a quote")
                fields.append(None if value == null else value)
                if end < 0:
                    return fields
                start = end + 1

    def _continue_record(self, text: str, field_number: int, first: int) -> str:
        """Append the next physical line to a record whose quoted field spans lines."""
        following = self._next_line()
        if following is None:
            raise DirtyRecord(f"line {first}: quoted field {field_number} is not closed before the end "
                              "of the data")
        if len(text) + len(following) > _MAX_RECORD_CHARS:
            raise DirtyRecord(f"line {first}: quoted field {field_number} runs past {_MAX_RECORD_CHARS} "
                              "characters; probably an unclosed quote")
        return text + "\n" + following
