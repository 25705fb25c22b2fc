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

The run's time is ``logical_date`` (``dag_run.run_after`` for runs without one) in the job's
time zone; the window is :mod:`tablestore_channels.authoring.stream_window`'s. Any other
``${name}`` becomes a DAG param the user fills in when triggering, as the console asks for
variables.
"""

from __future__ import annotations

import re
from typing import Any

from tablestore_channels.authoring import stream_window

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def _scheduling_variables(timezone: str) -> dict[str, str]:
    date = "{{ " + stream_window.RUN_TIME + f".in_timezone({timezone!r}).strftime('%Y%m%d') }}}}"
    start = stream_window.template(f"start_string({timezone!r})")
    end = stream_window.template(f"end_string({timezone!r})")
    return {"date": date, "bizdate": date, "start_time": start, "startTime": start, "end_time": end,
            "endTime": end}


def templatize(value: Any, timezone: str, params: set[str]) -> Any:
    """Replace ``${variables}`` in every string with Airflow templates; collect param names."""
    variables = _scheduling_variables(timezone)

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

