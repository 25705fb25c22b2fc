"""Job files as users paste them from the Data Integration docs.

The documentation's templates carry ``#`` annotations and trailing commas; both are removed
outside strings before the JSON is parsed. The seed's scheduling variables become Airflow
templates, so each run renders them from its own logical date:

=================== ==================================================================
``${date}``          the run's date, ``yyyyMMdd`` (``bdp.system.bizdate``)
``${bizdate}``       same as ``${date}``
``${start_time}``    ``yyyyMMddHHmmss`` of the run's time minus 10 minutes
``${end_time}``      ``yyyyMMddHHmmss`` of the run's time minus 5 minutes
``${startTime}``     same as ``${start_time}`` (the MaxCompute template's spelling)
``${endTime}``       same as ``${end_time}``
=================== ==================================================================

The run's time is ``logical_date`` (``dag_run.run_after`` for runs without one) in the job's
time zone. Any other ``${name}`` becomes a DAG param the user fills in when triggering, as the
Data Integration console asks for variables.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tablestore_channels.errors import ConfigError

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}")
_RUN_TIME = "(logical_date or dag_run.run_after).in_timezone({tz!r})"
_SCHEDULING_VARIABLES = {
    "date": "{{{{ " + _RUN_TIME + ".strftime('%Y%m%d') }}}}",
    "start_time": "{{{{ (" + _RUN_TIME + " - macros.timedelta(minutes=10)).strftime('%Y%m%d%H%M%S') }}}}",
    "end_time": "{{{{ (" + _RUN_TIME + " - macros.timedelta(minutes=5)).strftime('%Y%m%d%H%M%S') }}}}",
}
_SCHEDULING_VARIABLES.update(bizdate=_SCHEDULING_VARIABLES["date"], startTime=_SCHEDULING_VARIABLES["start_time"],
                             endTime=_SCHEDULING_VARIABLES["end_time"])


def strip_annotations(text: str) -> str:
    """Remove ``#`` comments and trailing commas that stand outside JSON strings."""
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif ch == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif ch in "}]":
            # drop a comma left dangling before this closer (whitespace may stand between)
            j = len(out) - 1
            while j >= 0 and out[j] in " \t\r\n":
                j -= 1
            if j >= 0 and out[j] == ",":
                del out[j]
            out.append(ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def parse_job_text(text: str, source: str) -> dict[str, Any]:
    """Parse a job file's text; a syntax error names the file, line and column."""
    try:
        data = json.loads(strip_annotations(text))
    except json.JSONDecodeError as error:
        # line numbers survive: comments are removed up to, not including, their newline
        raise ConfigError(source, f"is not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}.",
                          "check the brackets and commas around that place.") from None
    if not isinstance(data, dict):
        raise ConfigError(source, "must hold a JSON object (the job).")
    return data


def templatize(value: Any, timezone: str, params: set[str]) -> Any:
    """Replace ``${variables}`` in every string with Airflow templates; collect param names."""
    if isinstance(value, str):
        def substitute(match: re.Match) -> str:
            name = match.group(1)
            if name in _SCHEDULING_VARIABLES:
                return _SCHEDULING_VARIABLES[name].format(tz=timezone)
            params.add(name)
            return "{{ params[%r] }}" % name
        return _VARIABLE.sub(substitute, value)
    if isinstance(value, list):
        return [templatize(v, timezone, params) for v in value]
    if isinstance(value, dict):
        return {k: templatize(v, timezone, params) for k, v in value.items()}
    return value


def load_job_file(path: Path) -> dict[str, Any]:
    return parse_job_text(path.read_text(encoding="utf-8"), str(path))
