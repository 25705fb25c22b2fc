"""OTSReader parameters (``reader.plugin: ots``), with DataX's names and meanings."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tablestore_channels.config import connection_ids
from tablestore_channels.config.ots_credentials import INLINE_CREDENTIAL_KEYS, refuse_inline_credentials
from tablestore_channels.config.parameters import JobKeys, Parameters, as_int, is_templated
from tablestore_channels.datasets import Dataset, Namespaces, tablestore_table
from tablestore_channels.errors import ConfigError, PreconditionError
from tablestore_channels.ots_client import keys

NORMAL, MULTI_VERSION = "normal", "multiVersion"
_CONSTANT_TYPES = ("string", "int", "double", "bool", "binary")


@dataclass(frozen=True)
class Column:
    """An output column: a Tablestore column by ``name``, or a ``constant`` value."""

    name: str | None = None
    constant: Any = None

    @property
    def is_constant(self) -> bool:
        return self.name is None


@dataclass(frozen=True)
class OTSReaderConfig(JobKeys):
    """Validated OTSReader parameters.

    ``begin``/``end`` are the configured PK bounds (a prefix of the PK is allowed; open bounds
    are ``keys.OPEN_MIN`` / ``keys.OPEN_MAX``, so that a job is validated without the SDK);
    ``split`` are values of the first PK column. Whether they match the table's PK schema is
    checked against the table by :meth:`resolve_range` when the job runs.
    """

    table: str
    columns: tuple[Column, ...]
    begin: tuple[Any, ...] = (keys.OPEN_MIN,)
    end: tuple[Any, ...] = (keys.OPEN_MAX,)
    split: tuple[Any, ...] = ()
    mode: str = NORMAL
    time_range: tuple[int, int] | None = None
    max_version: int | None = None
    max_retry_time: int = 18
    retry_pause_ms: int = 100
    datasource: str = connection_ids.TABLESTORE
    path: str = field(default="reader.parameter", compare=False)  # where the job holds it

    ALLOWED = ("datasource", "table", "column", "range", "mode", "timeRange", "maxVersion",
               "maxRetryTime", "retryPauseInMillisecond", *INLINE_CREDENTIAL_KEYS)

    def datasets(self, namespaces: Namespaces) -> list[Dataset]:
        return [tablestore_table(namespaces, self, self.table)]

    @classmethod
    def from_parameter(cls, raw: Mapping[str, Any], path: str = "reader.parameter") -> OTSReaderConfig:
        p = Parameters(raw, path, allowed=cls.ALLOWED)
        refuse_inline_credentials(p)
        mode = p.choice("mode", (NORMAL, MULTI_VERSION), NORMAL)
        columns = tuple(_column(entry, f"{p.key('column')}[{i}]", mode) for i, entry in enumerate(p.list("column", [])))
        rng = Parameters(p.mapping("range", {}), p.key("range"), allowed=("begin", "end", "split"))
        begin = tuple(_bound(e, f"{rng.key('begin')}[{i}]") for i, e in enumerate(rng.list("begin", [])))
        end = tuple(_bound(e, f"{rng.key('end')}[{i}]") for i, e in enumerate(rng.list("end", [])))
        split = tuple(_bound(e, f"{rng.key('split')}[{i}]", allow_infinite=False)
                      for i, e in enumerate(rng.list("split", [])))
        time_range = None
        if p.has("timeRange"):
            if mode != MULTI_VERSION:
                raise ConfigError(p.key("timeRange"), "applies to mode multiVersion only.",
                                  "remove it, or set mode to multiVersion.")
            tr = Parameters(p.mapping("timeRange"), p.key("timeRange"), allowed=("begin", "end"))
            time_range = (tr.integer("begin", 0, minimum=0), tr.integer("end", 2**63 - 1, minimum=0))
            if time_range[0] >= time_range[1]:
                raise ConfigError(p.key("timeRange"), f"begin {time_range[0]} must be before end {time_range[1]}.")
        max_version = p.integer("maxVersion", None, minimum=1)
        if max_version is not None and mode != MULTI_VERSION:
            raise ConfigError(p.key("maxVersion"), "applies to mode multiVersion only.",
                              "remove it, or set mode to multiVersion.")
        config = cls(
            path=path,
            table=p.string("table"), columns=columns, begin=begin or (keys.OPEN_MIN,),
            end=end or (keys.OPEN_MAX,), split=split, mode=mode, time_range=time_range,
            max_version=max_version, max_retry_time=p.integer("maxRetryTime", 18, minimum=0),
            retry_pause_ms=p.integer("retryPauseInMillisecond", 100, minimum=1),
            datasource=p.string("datasource", connection_ids.TABLESTORE),
        )
        config._check_range(rng)
        return config

    def _check_range(self, rng: Parameters) -> None:
        """What can be checked without the table: entry counts and types line up, begin != end,
        split points strictly monotonic and strictly inside the range."""
        for name, bound in (("begin", self.begin), ("end", self.end)):
            if len(bound) > 4:
                raise ConfigError(rng.key(name), f"has {len(bound)} entries; a table has at most 4 primary-key columns.")
        for i, (b, e) in enumerate(zip(self.begin, self.end)):
            tb, te = keys.value_type(b), keys.value_type(e)
            if tb and te and tb != te:
                raise ConfigError(f"{rng.key('end')}[{i}]", f"is {te} but begin[{i}] is {tb}.",
                                  "both must have the type of that primary-key column.")
        width = max(len(self.begin), len(self.end))
        b = keys.row_key(keys.pad(self.begin, width, keys.OPEN_MIN))
        e = keys.row_key(keys.pad(self.end, width, keys.OPEN_MAX))
        if list(self.begin) == list(self.end):
            raise ConfigError(rng.key("begin"), "equals range.end: the range is empty.",
                              "set begin before end (forward) or after it (backward).")
        if not self.split:
            return
        forward = b < e
        lo, hi = (self.begin[0], self.end[0]) if forward else (self.end[0], self.begin[0])
        points = [keys.sort_key(v) for v in self.split]
        types = {keys.value_type(v) for v in self.split}
        first_type = keys.value_type(self.begin[0]) or keys.value_type(self.end[0])
        if len(types) > 1 or (first_type and types != {first_type}):
            raise ConfigError(rng.key("split"), f"mixes types {sorted(map(str, types))}; split points are values of the "
                              "first primary-key column and share its type.")
        ordered = points if forward else points[::-1]
        if any(x >= y for x, y in zip(ordered, ordered[1:])):
            raise ConfigError(rng.key("split"), "points must be strictly increasing (decreasing for a backward range).")
        if not (keys.sort_key(lo) < min(points) and max(points) < keys.sort_key(hi)):
            raise ConfigError(rng.key("split"), f"points must lie strictly inside the range "
                              f"({keys.render(self.begin[0])} .. {keys.render(self.end[0])}).",
                              "remove the points outside, or widen range.begin/range.end.")

    @property
    def forward(self) -> bool:
        width = max(len(self.begin), len(self.end))
        return (keys.row_key(keys.pad(self.begin, width, keys.OPEN_MIN))
                < keys.row_key(keys.pad(self.end, width, keys.OPEN_MAX)))

    def resolve_range(self, pk_schema: Sequence[tuple[str, str]]) -> tuple[list[Any], list[Any]]:
        """Full-width start (inclusive) and end (exclusive) PK values for ``pk_schema`` (the
        table's ``[(name, TYPE), ...]``), padded as DataX does, open bounds the SDK's;
        PreconditionError on a mismatch."""
        for name, bound in (("begin", self.begin), ("end", self.end), ("split", self.split[:1])):
            if len(bound) > len(pk_schema) and name != "split":
                raise PreconditionError(
                    f"range.{name} has {len(bound)} entries but table {self.table!r} has {len(pk_schema)} "
                    f"primary-key columns ({', '.join(n for n, _ in pk_schema)}). Fix: one entry per column, or a prefix.")
            for i, value in enumerate(bound):
                expected = pk_schema[i][1]
                actual = keys.value_type(value)
                if actual and actual != expected:
                    raise PreconditionError(
                        f"range.{name}[{i}] is {actual} but primary-key column {pk_schema[i][0]!r} of table "
                        f"{self.table!r} is {expected}. Fix: give a {expected.lower()} value for it.")
        low_fill, high_fill = (keys.OPEN_MIN, keys.OPEN_MAX) if self.forward else (keys.OPEN_MAX, keys.OPEN_MIN)
        width = len(pk_schema)
        return (keys.sdk_values(keys.pad(self.begin, width, low_fill)),
                keys.sdk_values(keys.pad(self.end, width, high_fill)))


def _bound(entry: Any, key: str, *, allow_infinite: bool = True) -> Any:
    if not isinstance(entry, Mapping):
        raise ConfigError(key, f"must be an object like {{\"type\": \"string\", \"value\": \"...\"}}, got {entry!r}.")
    kind = str(entry.get("type", "")).lower()
    if kind in ("inf_min", "inf_max"):
        if not allow_infinite:
            raise ConfigError(key, "split points must be concrete values, not INF_MIN/INF_MAX.",
                              "list only the inner boundaries; the range gives the outer ones.")
        return keys.OPEN_MIN if kind == "inf_min" else keys.OPEN_MAX
    if "value" not in entry:
        raise ConfigError(key, f"needs a 'value' for type {entry.get('type')!r}.")
    value = entry["value"]
    if kind == "string":
        return str(value)
    if kind in ("int", "integer"):
        if is_templated(value):
            raise ConfigError(key, "a primary-key bound must be a concrete integer.")
        return as_int(value, f"{key}.value")
    if kind == "binary":
        return bytearray(_base64(value, f"{key}.value"))
    raise ConfigError(f"{key}.type", f"unknown type {entry.get('type')!r}.",
                      "use INF_MIN, INF_MAX, string, int or binary (base64 value).")


def _column(entry: Any, key: str, mode: str) -> Column:
    if isinstance(entry, str) and entry:  # shorthand for {"name": entry}
        return Column(name=entry)
    if not isinstance(entry, Mapping):
        raise ConfigError(key, f"must be an object like {{\"name\": \"col\"}}, got {entry!r}.")
    if "name" in entry:
        extra = set(entry) - {"name"}
        if extra:
            raise ConfigError(key, f"a column by name takes only 'name', not {sorted(extra)}.")
        name = entry["name"]
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{key}.name", f"must be a non-empty string, got {name!r}.")
        return Column(name=name)
    if mode == MULTI_VERSION:
        raise ConfigError(key, "constants are not allowed in mode multiVersion.", "list column names only.")
    kind = str(entry.get("type", "")).lower()
    if kind not in _CONSTANT_TYPES or "value" not in entry:
        raise ConfigError(key, f"must be {{\"name\": ...}} or a constant {{\"type\": one of "
                          f"{', '.join(_CONSTANT_TYPES)}, \"value\": ...}}, got {dict(entry)!r}.")
    value = entry["value"]
    if kind == "string":
        return Column(constant=str(value))
    if kind == "int":
        return Column(constant=as_int(value, f"{key}.value"))
    if kind == "double":
        try:
            return Column(constant=float(value))
        except (TypeError, ValueError):
            raise ConfigError(f"{key}.value", f"must be a number, got {value!r}.") from None
    if kind == "bool":
        if str(value).lower() not in ("true", "false"):
            raise ConfigError(f"{key}.value", f"must be true or false, got {value!r}.")
        return Column(constant=str(value).lower() == "true")
    return Column(constant=bytes(_base64(value, f"{key}.value")))


def _base64(value: Any, key: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(key, f"must be base64, got {value!r}.") from None
