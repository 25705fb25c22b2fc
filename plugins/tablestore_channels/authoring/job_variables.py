"""The ``${variables}`` of job files as Airflow templates, so each run renders them from its own
time, as the Data Integration console's scheduling parameters do:

=================== ==================================================================
``${date}``          the run's date, ``yyyyMMdd`` (``bdp.system.bizdate``)
``${bizdate}``       same as ``${date}``
``${start_time}``    ``yyyyMMddHHmmss`` of the run's stream-window start (run time - 10 min)
``${end_time}``      ``yyyyMMddHHmmss`` of the run's stream-window end (run time - 5 min)
``${startTime}``     same as ``${start_time}`` (the MaxCompute template's spelling)
``${endTime}``       same as ``${end_time}``
=================== ==================================================================

The run's time is its logical date (``run_after`` for runs without one) in the schedule's time
zone; the window is :mod:`tablestore_channels.channel.stream_window`'s, of the stream reader's
``windowMinutes`` and ``lagMinutes`` when it sets them. Any other ``${name}``
becomes a DAG param the user fills in when triggering, as the console asks for variables.

The stream reader's window is where a time zone could move data, so there it is an instant: a
reader time key (``startTimestampMillis``, ``endTimestampMillis``, ``startTimeString``,
``endTimeString``) that holds just one window variable renders the window's bound as ISO 8601
with its UTC offset, which the reader reads the same whatever its ``timeZone``, on any day,
daylight-saving changes included. Its other zone-less values (``date: ${date}``, a time written
around a variable) are read in the reader's ``timeZone``, which defaults to the schedule's; a
different one is refused, as it would read another window. And in a zone with daylight saving
time, names made from the time of day (``pt=${startTime}``) repeat in the hour the clocks go
back, where the second window would replace the first: a writer naming its output so is refused
there, with the ways out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from tablestore_channels.channel import stream_window
from tablestore_channels.errors import ConfigError
from tablestore_channels.plugins.otsstreamreader.config import TIME_KEYS, ZONE_KEY

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}")
_WINDOW_BOUNDS = {"start_time": "start", "startTime": "start", "end_time": "end", "endTime": "end"}
_STREAM_READER = "otsstream"


def _scheduling_variables(timezone: str, window: tuple[str, str] = ("5", "5")) -> dict[str, str]:
    date = "{{ " + stream_window.date_template(timezone) + " }}"
    variables = {"date": date, "bizdate": date}
    for name, bound in _WINDOW_BOUNDS.items():
        variables[name] = stream_window.template(f"{bound}_string({timezone!r})", *window)
    return variables


def window_minutes(job: Mapping[str, Any]) -> tuple[str, str]:
    """(window, lag) minutes of a job's stream window, as Jinja expressions: the stream reader's
    ``windowMinutes`` / ``lagMinutes`` when it sets them, else the seed's 5 and 5."""
    reader = (job.get("configuration") or {}).get("reader") or {}
    parameter = (reader.get("parameter") or {}) if reader.get("plugin") == _STREAM_READER else {}
    def minutes(key: str) -> str:
        value = parameter.get(key)
        return str(float(5 if value in (None, "") else value))  # 0 is a lag, not a missing one

    return minutes("windowMinutes"), minutes("lagMinutes")


def templatize(value: Any, timezone: str, params: set[str], window: tuple[str, str] = ("5", "5")) -> Any:
    """Replace ``${variables}`` in every string with Airflow templates, the window's of ``window``
    (window, lag) minutes; collect param names."""
    variables = _scheduling_variables(timezone, window)

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name in variables:
            return variables[name]
        params.add(name)
        return "{{ params[%r] }}" % name

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return _VARIABLE.sub(substitute, item)
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, dict):
            return {k: walk(v) for k, v in item.items()}
        return item

    return walk(value)


def templatize_job(job: Mapping[str, Any], timezone: str, params: set[str]) -> dict[str, Any]:
    """A job file's job (``schedule`` removed) with its ``${variables}`` as templates rendered in
    ``timezone``, the stream reader's window as instants; raises ConfigError where a zone would
    move a window or repeat a name."""
    window = window_minutes(job)
    configuration = dict(job.get("configuration") or {})
    reader = configuration.get("reader")
    if isinstance(reader, Mapping) and reader.get("plugin") == _STREAM_READER \
            and isinstance(reader.get("parameter"), Mapping):
        configuration["reader"] = {**reader, "parameter": _stream_reader_window(reader["parameter"], timezone, window)}
    writer = configuration.get("writer")
    if isinstance(writer, Mapping) and isinstance(writer.get("parameter"), Mapping):
        _refuse_repeating_names(writer["parameter"], timezone)
    return templatize({**job, "configuration": configuration}, timezone, params, window)


def _stream_reader_window(parameter: Mapping[str, Any], timezone: str, window: tuple[str, str]) -> dict[str, Any]:
    """The stream reader's parameter with its window variables as instants and its ``timeZone``
    the schedule's unless set; a set zone that would read the variables as another window is
    refused."""
    parameter = dict(parameter)
    wall_clock = []  # time keys whose scheduling variables stay wall-clock strings
    for key in (*TIME_KEYS, "date"):
        value = parameter.get(key)
        if not isinstance(value, str):
            continue
        exact = _VARIABLE.fullmatch(value.strip())
        if exact and exact.group(1) in _WINDOW_BOUNDS and key in TIME_KEYS:
            parameter[key] = stream_window.template(f"{_WINDOW_BOUNDS[exact.group(1)]}_instant", *window)
        elif any(name in _scheduling_variables(timezone) for name in _VARIABLE.findall(value)):
            wall_clock.append(key)
    zone = parameter.setdefault(ZONE_KEY, timezone)
    if wall_clock and zone != timezone:
        raise ConfigError(
            f"configuration.reader.parameter.{ZONE_KEY}",
            f"is {zone!r}, but {', '.join(wall_clock)} take their ${{variables}} in the schedule's time zone "
            f"{timezone!r}: the reader would read them as another window.",
            f"remove {ZONE_KEY} (it defaults to the schedule's zone), or give each time key just one variable "
            "(e.g. \"startTimestampMillis\": \"${start_time}\"), which the reader takes as an instant in any zone.")
    return parameter


def observes_daylight_saving(timezone: str) -> bool:
    """Whether the zone's UTC offset changes within the year around now (its clocks go back)."""
    zone = ZoneInfo(timezone)
    year = dt.datetime.now(dt.UTC).year
    offsets = {dt.datetime(y, month, 15, tzinfo=zone).utcoffset() for y in (year, year + 1) for month in range(1, 13)}
    return len(offsets) > 1


def _refuse_repeating_names(parameter: Mapping[str, Any], timezone: str) -> None:
    """A writer's names from the time of day repeat once a year in a zone with daylight saving."""
    for key, value in parameter.items():
        names = _VARIABLE.findall(value) if isinstance(value, str) else []
        used = sorted({f"${{{n}}}" for n in names if n in _WINDOW_BOUNDS})
        if used and observes_daylight_saving(timezone):
            raise ConfigError(
                f"configuration.writer.parameter.{key}",
                f"names the output by {', '.join(used)}, the time of day in {timezone!r}, a zone with daylight "
                "saving time: in the hour its clocks go back two windows get the same name, and the second would "
                "replace the first.",
                "schedule the job in UTC or a zone without daylight saving (the windows are the same instants; "
                "only the names change), or name the output by ${date} and append (truncate false / writeMode "
                "append), so each window adds its own objects or rows.")
