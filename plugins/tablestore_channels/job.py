"""The job envelope of Data Integration's script mode::

    {"type": "job", "version": "1.0",
     "configuration": {"setting": {...}, "reader": {"plugin": ..., "parameter": {...}},
                       "writer": {"plugin": ..., "parameter": {...}}},
     "schedule": {"cron": "...", "start_date": "...", "catchup": false, "timezone": "UTC",
                  "depends_on_past": true}}

``schedule`` is ours (optional): without it the job's DAG runs when triggered. A job with a cron
schedule is self-dependent (the seed's "cross-cycle dependency: self-dependent": a run starts
only after the previous one succeeded) unless ``depends_on_past`` is false.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pendulum

from tablestore_channels.config.parameters import Parameters
from tablestore_channels.config.setting import JobSetting
from tablestore_channels.errors import ConfigError
from tablestore_channels.plugins.registry import READERS, WRITERS


@dataclass(frozen=True)
class Schedule:
    cron: str | None
    start_date: pendulum.DateTime
    catchup: bool = False
    timezone: str = "UTC"
    depends_on_past: bool = False  # from the file: true by default when ``cron`` is set


@dataclass(frozen=True)
class JobSpec:
    """A validated job: setting, reader and writer plugins with typed parameters."""

    setting: JobSetting
    reader_plugin: str
    reader: Any
    writer_plugin: str
    writer: Any
    schedule: Schedule | None = None

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> JobSpec:
        top = Parameters(raw, "job", allowed=("type", "version", "configuration", "schedule"))
        if top.string("type", "job") != "job":
            raise ConfigError("job.type", f"must be 'job', got {raw.get('type')!r}.")
        conf = Parameters(top.mapping("configuration"), "configuration", allowed=("setting", "reader", "writer"))
        reader_plugin, reader = _plugin(conf, "reader", READERS)
        writer_plugin, writer = _plugin(conf, "writer", WRITERS)
        return cls(
            setting=JobSetting.from_dict(conf.mapping("setting", {}), conf.key("setting")),
            reader_plugin=reader_plugin, reader=reader, writer_plugin=writer_plugin, writer=writer,
            schedule=_schedule(top.mapping("schedule")) if raw.get("schedule") is not None else None,
        )


def _plugin(conf: Parameters, role: str, registry: Mapping[str, Any]) -> tuple[str, Any]:
    block = Parameters(conf.mapping(role), conf.key(role), allowed=("plugin", "parameter", "name"))
    plugin = block.string("plugin")
    if plugin not in registry:
        raise ConfigError(block.key("plugin"), f"unknown {role} plugin {plugin!r}.",
                          f"use one of: {', '.join(sorted(registry))}.")
    return plugin, registry[plugin].config.from_parameter(block.mapping("parameter"), block.key("parameter"))


def _schedule(raw: Mapping[str, Any]) -> Schedule:
    p = Parameters(raw, "schedule", allowed=("cron", "start_date", "catchup", "timezone", "depends_on_past"))
    timezone = p.string("timezone", "UTC")
    try:
        tz = pendulum.timezone(timezone)
    except Exception:
        raise ConfigError(p.key("timezone"), f"unknown time zone {timezone!r}.", "use an IANA name such as Asia/Shanghai.") from None
    start = p.string("start_date", "2026-01-01")
    try:
        start_date = pendulum.parse(start, tz=tz)
    except Exception:
        start_date = None
    if not isinstance(start_date, pendulum.DateTime):
        raise ConfigError(p.key("start_date"), f"is not a date: {start!r}.", "write it as YYYY-MM-DD.")
    cron = p.string("cron", None)
    return Schedule(cron=cron, start_date=start_date, catchup=p.boolean("catchup", False), timezone=timezone,
                    depends_on_past=p.boolean("depends_on_past", cron is not None))
