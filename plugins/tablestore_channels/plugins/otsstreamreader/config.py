"""OTSStreamReader parameters (``reader.plugin: otsstream``), with DataX's names and meanings.

The window is half-open, ``[start, end)`` in milliseconds since the epoch, given in exactly one
of three forms:

- ``startTimestampMillis`` / ``endTimestampMillis``: milliseconds. A 14-digit value is read as
  ``yyyyMMddHHmmss`` in ``timeZone`` instead, because the seed's job passes ``${start_time}``
  (that format) into ``startTimestampMillis``; millisecond values have 13 digits until 2286.
- ``startTimeString`` / ``endTimeString``: ``yyyyMMddHHmmss`` in ``timeZone``.
- ``date``: ``yyyyMMdd``, the whole day in ``timeZone``.

``timeZone`` (ours) is an IANA name, UTC unless set (in a job file: the schedule's zone). Any time
key also takes an instant, ISO 8601 with its UTC offset (``2026-03-08T06:55:00.000+00:00``),
read as that instant whatever ``timeZone`` says: what a job file's ``${start_time}`` /
``${end_time}`` render to in a time key. In the first two forms the end may be left
out: it is then ``start + windowMinutes``. ``lagMinutes`` (ours, default 5) is how long changes
need to settle: a window ending later than ``now - lagMinutes`` is refused. ``allowDataLoss``
(ours, default false) lets a window that reaches back past the stream's retention continue from
the oldest record kept instead of failing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tablestore_channels.config import connection_ids
from tablestore_channels.config.ots_credentials import INLINE_CREDENTIAL_KEYS, refuse_inline_credentials
from tablestore_channels.config.parameters import JobKeys, Parameters, as_int, is_templated
from tablestore_channels.datasets import Dataset, Namespaces, tablestore_table
from tablestore_channels.errors import ConfigError

DEFAULT_STATUS_TABLE = "TableStoreStreamReaderStatusTable"
MULTI_VERSION, SINGLE_VERSION = "multi_version", "single_version_and_update_only"
_TIME_FORMS = (("startTimestampMillis", "endTimestampMillis"), ("startTimeString", "endTimeString"), ("date",))
TIME_KEYS = (*_TIME_FORMS[0], *_TIME_FORMS[1])
ZONE_KEY = "timeZone"
_DATETIME_DIGITS = 14
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class OTSStreamReaderConfig(JobKeys):
    """Validated OTSStreamReader parameters; ``start_ms``/``end_ms`` bound the window ``[start, end)``.

    They are None while a time is still a template or a job variable (``${start_time}``): a job
    file is checked when its DAG is parsed and again, rendered, when it runs."""

    data_table: str
    start_ms: int | None
    end_ms: int | None
    status_table: str = DEFAULT_STATUS_TABLE
    mode: str = MULTI_VERSION
    columns: tuple[str, ...] = ()
    export_sequence_info: bool = False
    max_retries: int = 30
    window_minutes: float = 5.0
    lag_minutes: float = 5.0
    allow_data_loss: bool = False
    datasource: str = connection_ids.TABLESTORE
    path: str = field(default="reader.parameter", compare=False)  # where the job holds it

    ALLOWED = ("datasource", "dataTable", "statusTable", "startTimestampMillis", "endTimestampMillis",
               "startTimeString", "endTimeString", "date", "mode", "column", "isExportSequenceInfo",
               "maxRetries", "windowMinutes", "lagMinutes", "allowDataLoss", "timeZone", *INLINE_CREDENTIAL_KEYS)

    @property
    def lag_ms(self) -> int:
        return round(self.lag_minutes * 60_000)

    def datasets(self, namespaces: Namespaces) -> list[Dataset]:
        return [tablestore_table(namespaces, self, self.data_table)]

    @classmethod
    def from_parameter(cls, raw: Mapping[str, Any], path: str = "reader.parameter") -> OTSStreamReaderConfig:
        p = Parameters(raw, path, allowed=cls.ALLOWED)
        refuse_inline_credentials(p)
        zone_name = p.string(ZONE_KEY, "UTC")
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(p.key("timeZone"), f"unknown time zone {zone_name!r}.",
                              "use an IANA name such as UTC or Asia/Shanghai.") from None
        window_minutes = p.number("windowMinutes", 5.0)
        if window_minutes <= 0:
            raise ConfigError(p.key("windowMinutes"), f"must be greater than 0, got {raw.get('windowMinutes')!r}.")
        start_ms, end_ms = _window(p, zone, window_minutes)
        mode = p.choice("mode", (MULTI_VERSION, SINGLE_VERSION), MULTI_VERSION)
        columns = tuple(_column(entry, f"{p.key('column')}[{i}]") for i, entry in enumerate(p.list("column", [])))
        export_sequence_info = p.boolean("isExportSequenceInfo", False)
        if mode == SINGLE_VERSION:
            if not columns:
                raise ConfigError(p.key("column"), f"is required in mode {SINGLE_VERSION}.",
                                  "list the output columns (primary-key or attribute names), in order.")
            if export_sequence_info:
                raise ConfigError(p.key("isExportSequenceInfo"), f"must be false in mode {SINGLE_VERSION}.",
                                  "remove it, or use the multi-version mode.")
        elif columns:
            raise ConfigError(p.key("column"), "applies to mode single_version_and_update_only only; the "
                              "multi-version mode exports every changed column.", "remove 'column'.")
        return cls(
            path=path,
            data_table=p.string("dataTable"), start_ms=start_ms, end_ms=end_ms,
            status_table=p.string("statusTable", DEFAULT_STATUS_TABLE), mode=mode, columns=columns,
            export_sequence_info=export_sequence_info, max_retries=p.integer("maxRetries", 30, minimum=0),
            window_minutes=window_minutes, lag_minutes=p.number("lagMinutes", 5.0, minimum=0),
            allow_data_loss=p.boolean("allowDataLoss", False),
            datasource=p.string("datasource", connection_ids.TABLESTORE),
        )


def _window(p: Parameters, zone: ZoneInfo, window_minutes: float) -> tuple[int | None, int | None]:
    """The window ``[start, end)`` in ms; (None, None) while a time is still a template."""
    given = [form for form in _TIME_FORMS if any(p.has(k) for k in form)]
    if len(given) != 1:
        listed = "; ".join("/".join(form) for form in _TIME_FORMS)
        problem = "no time window is set." if not given else \
            f"sets more than one time form ({'; '.join('/'.join(f) for f in given)})."
        raise ConfigError(p.path, problem, f"set exactly one of: {listed}.")
    form = given[0]
    if any(_unrendered(p.raw.get(k)) for k in form):
        return None, None
    if form == ("date",):
        day = _parse_datetime(p, "date", "%Y%m%d", zone)
        return day, _parse_datetime(p, "date", "%Y%m%d", zone, plus_days=1)
    start_key, end_key = form[0], form[-1]
    if not p.has(start_key):
        raise ConfigError(p.key(start_key), "is required.", f"set it together with {end_key!r}.")
    if start_key == "startTimestampMillis":
        start = _millis(p, start_key, zone)
        end = _millis(p, end_key, zone) if p.has(end_key) else start + round(window_minutes * 60_000)
    else:
        start = _parse_datetime(p, start_key, "%Y%m%d%H%M%S", zone)
        end = (_parse_datetime(p, end_key, "%Y%m%d%H%M%S", zone) if p.has(end_key)
               else start + round(window_minutes * 60_000))
    if start >= end:
        raise ConfigError(p.key(end_key), f"must be after {start_key} ({p.raw[start_key]!r}), got {p.raw.get(end_key)!r}.",
                          "the window is [start, end): set end later than start.")
    return start, end


def _unrendered(value: Any) -> bool:
    return is_templated(value) or (isinstance(value, str) and "${" in value)


def _millis(p: Parameters, key: str, zone: ZoneInfo) -> int:
    value = p.raw[key]
    text = str(value).strip()
    instant = _instant(text)
    if instant is not None:
        return instant
    if text.isdigit() and len(text) == _DATETIME_DIGITS:
        return _parse_datetime(p, key, "%Y%m%d%H%M%S", zone)
    return as_int(value, p.key(key), minimum=0)


def _instant(text: str) -> int | None:
    """Milliseconds of an ISO 8601 time with a UTC offset; None for any other text."""
    if "T" not in text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1)


def _parse_datetime(p: Parameters, key: str, pattern: str, zone: ZoneInfo, plus_days: int = 0) -> int:
    text = str(p.raw[key]).strip()
    instant = _instant(text) if pattern != "%Y%m%d" else None
    if instant is not None:
        return instant
    try:
        # strptime alone would take short forms such as "2026111" (which day is that?)
        if not (text.isdigit() and len(text) == len(dt.datetime(2000, 1, 1).strftime(pattern))):
            raise ValueError(text)
        naive = dt.datetime.strptime(text, pattern)
    except ValueError:
        shown = pattern.replace("%Y", "yyyy").replace("%m", "MM").replace("%d", "dd").replace(
            "%H", "HH").replace("%M", "mm").replace("%S", "ss")
        raise ConfigError(p.key(key), f"is not a time in the form {shown}: {p.raw[key]!r}.") from None
    moment = (naive + dt.timedelta(days=plus_days)).replace(tzinfo=zone)
    return int(moment.timestamp() * 1000)


def _column(entry: Any, key: str) -> str:
    if isinstance(entry, str) and entry:
        return entry
    if isinstance(entry, Mapping) and set(entry) == {"name"} and isinstance(entry["name"], str) and entry["name"]:
        return entry["name"]
    raise ConfigError(key, f"must be {{\"name\": \"column\"}}, got {entry!r}.",
                      "name a primary-key or attribute column; constants are not supported here.")
