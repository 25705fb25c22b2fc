"""Point-in-time reader parameters (``reader.plugin: pointintime``, ours): the changes that rebuild
a table as it was at a moment, from its full exports and stream windows in OSS.

- ``table``: the source table (the exports and windows record it);
- ``exportPrefix``: where its full exports are (each with its manifest);
- ``streamPrefix``: where its stream windows are, laid out as the stream sync writes them
  (``<prefix><yyyymmdd>/<start>-<end>/``);
- ``pointInTime``: the moment, ISO 8601 with a UTC offset (``2026-01-01T08:00:00Z``), or ``latest``:
  the newest moment the backups reach (the end of the unbroken run of committed windows after the
  newest export they reach past), resolved by the first plan;
- ``phase``: ``export`` (the full export's cells) or ``windows`` (the stream changes after it);
  a restore runs both, in this order, the second with ``exportManifest`` and ``pointInTime``
  pinned to the export and the moment the first chose;
- ``column``: ``[{"name", "type"}]`` of attribute columns the source does not predefine (the
  exports keep values as text);
- ``maxClockSkewMillis``: how far the clocks of the workers that recorded the export's reading
  times and of Tablestore may differ (default 1000).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tablestore_channels.config import connection_ids
from tablestore_channels.config.parameters import JobKeys, Parameters
from tablestore_channels.datasets import Dataset, Namespaces, oss_prefix
from tablestore_channels.errors import ConfigError
from tablestore_channels.plugins.ossreader.config import column_type

EXPORT_PHASE, WINDOWS_PHASE = "export", "windows"
LATEST = "latest"


@dataclass(frozen=True)
class PointInTimeReaderConfig(JobKeys):
    table: str
    export_prefix: str
    stream_prefix: str
    point_us: int | None  # the moment, µs since the epoch; None: the latest the backups reach
    point_text: str
    phase: str = EXPORT_PHASE
    export_manifest: str | None = None
    column_types: tuple[tuple[str, str], ...] = ()  # (name, string|int|double|bool|binary)
    max_clock_skew_ms: int = 1000
    bucket: str | None = None
    datasource: str = connection_ids.OSS
    path: str = field(default="reader.parameter", compare=False)  # where the job holds it

    ALLOWED = ("datasource", "bucket", "table", "exportPrefix", "streamPrefix", "pointInTime", "phase",
               "exportManifest", "column", "maxClockSkewMillis")

    def datasets(self, namespaces: Namespaces) -> list[Dataset]:
        bucket = namespaces.oss_bucket(self)
        return [oss_prefix(bucket, self.export_prefix), oss_prefix(bucket, self.stream_prefix)]

    @classmethod
    def from_parameter(cls, raw: Mapping[str, Any], path: str = "reader.parameter") -> PointInTimeReaderConfig:
        p = Parameters(raw, path, allowed=cls.ALLOWED)
        text = p.string("pointInTime")
        columns = []
        for i, entry in enumerate(p.list("column", [])):
            key = f"{p.key('column')}[{i}]"
            if not isinstance(entry, Mapping) or set(entry) != {"name", "type"} or not entry["name"]:
                raise ConfigError(key, f"must be {{\"name\": ..., \"type\": ...}}, got {entry!r}.")
            columns.append((str(entry["name"]), column_type(entry["type"], f"{key}.type")))
        return cls(
            path=path,
            table=p.string("table"), export_prefix=_prefix(p, "exportPrefix"), stream_prefix=_prefix(p, "streamPrefix"),
            point_us=None if text.strip().lower() == LATEST else _moment(text, p.key("pointInTime")), point_text=text,
            phase=p.choice("phase", (EXPORT_PHASE, WINDOWS_PHASE), EXPORT_PHASE),
            export_manifest=p.string("exportManifest", None) or None, column_types=tuple(columns),
            max_clock_skew_ms=p.integer("maxClockSkewMillis", 1000, minimum=0),
            bucket=p.string("bucket", None), datasource=p.string("datasource", connection_ids.OSS),
        )


def _prefix(p: Parameters, name: str) -> str:
    prefix = p.string(name)
    if prefix.startswith("/"):
        raise ConfigError(p.key(name), f"must not start with '/': {prefix!r}.",
                          "give the prefix without the bucket and without a leading '/'.")
    return prefix


def _moment(text: str, key: str) -> int:
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(key, f"is not an ISO 8601 time: {text!r}.",
                          f"write it like 2026-01-01T08:00:00Z or 2026-01-01T16:00:00+08:00, or {LATEST}.") from None
    if moment.tzinfo is None:
        raise ConfigError(key, f"{text!r} has no UTC offset, so the moment is ambiguous.",
                          "add Z (UTC) or an offset such as +08:00.")
    delta = moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def iso_moment(point_us: int) -> str:
    """``point_us`` as the ISO 8601 text :func:`_moment` reads back exactly (µs, UTC)."""
    return (dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=point_us)).isoformat()
