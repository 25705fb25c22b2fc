"""MaxCompute column types: parsing the DDL spelling, the name the service prints, the Arrow type.

A type is a small frozen value: a kind (``bigint``, ``decimal``, ``array``, ...), integer
arguments (``decimal(p,s)``, ``varchar(n)``) and children (an array's element, a map's key and
value, a struct's named fields). The Arrow type of a column is the one pyodps reads it as, so a
tunnel Arrow download is the stored data itself: DATETIME is ``timestamp[ms]``, TIMESTAMP and
TIMESTAMP_NTZ ``timestamp[ns]``, DATE ``date32``, VARCHAR and CHAR ``string``, and a DECIMAL
without precision or with scale 0 gets pyodps's defaults (54 digits, scale 18).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from localcloud.maxcompute.errors import MaxComputeError

INTEGER_KINDS = ("bigint", "int", "smallint", "tinyint")
STRING_KINDS = ("string", "varchar", "char")
TIMESTAMP_KINDS = ("timestamp", "timestamp_ntz")

_ARROW_BY_KIND = {
    "bigint": pa.int64(), "int": pa.int32(), "smallint": pa.int16(), "tinyint": pa.int8(),
    "double": pa.float64(), "float": pa.float32(), "boolean": pa.bool_(),
    "string": pa.string(), "varchar": pa.string(), "char": pa.string(), "binary": pa.binary(),
    "datetime": pa.timestamp("ms"), "date": pa.date32(),
    "timestamp": pa.timestamp("ns"), "timestamp_ntz": pa.timestamp("ns"),
}
# Types the service has that this server does not store.
_KNOWN_UNSUPPORTED = ("json", "interval_day_time", "interval_year_month", "void", "vector", "geography")
DECIMAL_DEFAULT_PRECISION, DECIMAL_DEFAULT_SCALE = 54, 18
VARCHAR_MAX, CHAR_MAX = 65535, 255

_TOKEN = re.compile(r"\s*(?:(?P<word>[A-Za-z_][A-Za-z0-9_]*)|`(?P<quoted>[^`]+)`|(?P<number>\d+)|(?P<punct>[<>(),:]))")


@dataclass(frozen=True)
class DataType:
    """One column type; ``fields`` holds the element / key+value / struct fields by name."""

    kind: str
    args: tuple[int, ...] = ()
    fields: tuple[tuple[str, DataType], ...] = ()

    def __str__(self) -> str:
        if self.kind == "array":
            return f"array<{self.element}>"
        if self.kind == "map":
            return f"map<{self.key},{self.value}>"
        if self.kind == "struct":
            return "struct<" + ",".join(f"{name}:{child}" for name, child in self.fields) + ">"
        if self.args:
            return f"{self.kind}({','.join(str(a) for a in self.args)})"
        return self.kind

    @property
    def element(self) -> DataType:
        return self.fields[0][1]

    @property
    def key(self) -> DataType:
        return self.fields[0][1]

    @property
    def value(self) -> DataType:
        return self.fields[1][1]

    @property
    def scale(self) -> int:
        """A DECIMAL's scale (18 when the type names none)."""
        return self.args[1] if len(self.args) > 1 else DECIMAL_DEFAULT_SCALE

    @property
    def arrow_type(self) -> pa.DataType:
        if self.kind in _ARROW_BY_KIND:
            return _ARROW_BY_KIND[self.kind]
        if self.kind == "decimal":
            precision = self.args[0] if self.args else DECIMAL_DEFAULT_PRECISION
            scale = (self.args[1] if len(self.args) > 1 else 0) or DECIMAL_DEFAULT_SCALE
            return (pa.decimal256 if precision > 38 else pa.decimal128)(precision, scale)
        if self.kind == "array":
            return pa.list_(self.element.arrow_type)
        if self.kind == "map":
            return pa.map_(self.key.arrow_type, self.value.arrow_type)
        return pa.struct([pa.field(name, child.arrow_type) for name, child in self.fields])


def parse_type(text: str) -> DataType:
    """Parse a type as DDL spells it (any case, spaces allowed); raise InvalidArgument if unknown."""
    tokens = _tokens(text)
    parser = _Parser(text, tokens)
    data_type = parser.type_()
    if parser.pos != len(tokens):
        raise _unknown(text)
    return data_type


def _tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise _unknown(text)
        tokens.append(match.group(match.lastgroup or "word").lower())
        pos = match.end()
    return tokens


def _unknown(text: str) -> MaxComputeError:
    return MaxComputeError("InvalidArgument", f"unknown column type {text!r}")


class _Parser:
    def __init__(self, text: str, tokens: list[str]) -> None:
        self.text, self.tokens, self.pos = text, tokens, 0

    def _next(self) -> str:
        if self.pos >= len(self.tokens):
            raise _unknown(self.text)
        self.pos += 1
        return self.tokens[self.pos - 1]

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _expect(self, token: str) -> None:
        if self._next() != token:
            raise _unknown(self.text)

    def type_(self) -> DataType:
        kind = self._next()
        if kind == "array":
            self._expect("<")
            element = self.type_()
            self._expect(">")
            return DataType("array", fields=(("element", element),))
        if kind == "map":
            self._expect("<")
            key = self.type_()
            self._expect(",")
            value = self.type_()
            self._expect(">")
            return DataType("map", fields=(("key", key), ("value", value)))
        if kind == "struct":
            return DataType("struct", fields=self._struct_fields())
        args = self._args() if self._peek() == "(" else ()
        return _primitive(self.text, kind, args)

    def _struct_fields(self) -> tuple[tuple[str, DataType], ...]:
        self._expect("<")
        fields: list[tuple[str, DataType]] = []
        while self._peek() != ">":
            if fields:
                self._expect(",")
            name = self._next()
            if name in "<>(),:" or name.isdigit():
                raise _unknown(self.text)
            self._expect(":")
            fields.append((name, self.type_()))
        self._expect(">")
        if not fields or len({name for name, _ in fields}) != len(fields):
            raise _unknown(self.text)
        return tuple(fields)

    def _args(self) -> tuple[int, ...]:
        self._expect("(")
        args = [self._next()]
        while self._peek() == ",":
            self._next()
            args.append(self._next())
        self._expect(")")
        if not all(a.isdigit() for a in args):
            raise _unknown(self.text)
        return tuple(int(a) for a in args)


def _primitive(text: str, kind: str, args: tuple[int, ...]) -> DataType:
    if kind == "decimal":
        valid = len(args) <= 2 and (not args or args[0] >= 1) and (len(args) < 2 or args[1] <= args[0])
    elif kind in ("varchar", "char"):
        valid = len(args) == 1 and 1 <= args[0] <= (VARCHAR_MAX if kind == "varchar" else CHAR_MAX)
    elif kind in _ARROW_BY_KIND:
        valid = not args
    elif kind in _KNOWN_UNSUPPORTED:
        raise MaxComputeError("InvalidArgument", f"column type {text!r} is not supported by the "
                              "local MaxCompute server")
    else:
        valid = False
    if not valid:
        raise _unknown(text)
    return DataType(kind, args)
