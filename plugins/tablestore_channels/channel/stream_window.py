"""The seed's incremental window, in one place: a run at time ``t`` exports the changes committed
in ``[t - lag - window, t - lag)`` (the defaults, 5 and 5 minutes, give the seed's
``start_time = t - 10 min``, ``end_time = t - 5 min``), and its changes have settled at
``end + lag``.

DAG templates call it as the macro ``stream_window`` (every channel DAG has it); the stream DAG
and the ``${start_time}`` / ``${end_time}`` variables of job files are both written with
:func:`template`. A reader takes the window as instants (epoch milliseconds, or ISO 8601 with its
UTC offset): never as a wall-clock string, which a time zone or a daylight-saving change would
read as another window.

The run's time is its logical date or, for a run without one (the REST API's and ``airflow dags
trigger``'s default in Airflow 3), when it was to run (``run_after``). Both are read off
``dag_run``, which every run's context has: ``logical_date`` and ``ds`` are missing from the
context of a run without a logical date, and Airflow's strict templates fail on a missing name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pendulum

from tablestore_channels import backup_layout

MACRO = "stream_window"
DATE_MACRO = "run_date"
# The run's time: the logical date, or when it was to run for runs without one.
RUN_TIME = "(dag_run.logical_date or dag_run.run_after)"
_KEY_TIME = "%Y%m%d%H%M%S"


@dataclass(frozen=True)
class StreamWindow:
    """``[start, end)`` and when its changes have settled (``end + lag``)."""

    start: pendulum.DateTime
    end: pendulum.DateTime
    settled_at: pendulum.DateTime

    @property
    def start_ms(self) -> int:
        return _millis(self.start)

    @property
    def end_ms(self) -> int:
        return _millis(self.end)

    @property
    def path(self) -> str:
        """Where the window's objects go under a prefix (:func:`backup_layout.window_folder`)."""
        return backup_layout.window_folder(self.start_ms, self.end_ms)

    @property
    def start_instant(self) -> str:
        """The start as ISO 8601 with its UTC offset (to the millisecond): what a reader reads
        the same in any time zone."""
        return _instant(self.start)

    @property
    def end_instant(self) -> str:
        return _instant(self.end)

    def start_string(self, timezone: str) -> str:
        """The start as the seed's ``yyyyMMddHHmmss`` in ``timezone``."""
        return self.start.in_timezone(timezone).strftime(_KEY_TIME)

    def end_string(self, timezone: str) -> str:
        return self.end.in_timezone(timezone).strftime(_KEY_TIME)


def stream_window(run_time: dt.datetime, window_minutes: float = 5, lag_minutes: float = 5) -> StreamWindow:
    """The window of a run at ``run_time``."""
    moment = pendulum.instance(run_time)
    end = moment - dt.timedelta(minutes=lag_minutes)
    return StreamWindow(start=end - dt.timedelta(minutes=window_minutes), end=end,
                        settled_at=end + dt.timedelta(minutes=lag_minutes))


def template(attribute: str, window_minutes: str = "5", lag_minutes: str = "5") -> str:
    """A Jinja template rendering ``attribute`` of the run's window, e.g. ``"start_ms"`` or
    ``"start_string('Asia/Shanghai')"``; the minutes are Jinja expressions (``params.lag_minutes``)."""
    return f"{{{{ {expression(attribute, window_minutes, lag_minutes)} }}}}"


def expression(attribute: str, window_minutes: str = "5", lag_minutes: str = "5") -> str:
    """:func:`template` as a Jinja expression (no braces), to use inside another one, e.g. as the
    argument of a filter."""
    return f"{MACRO}({RUN_TIME}, {window_minutes}, {lag_minutes}).{attribute}"


def run_date(run_time: dt.datetime, timezone: str = "UTC", pattern: str = "%Y%m%d") -> str:
    """The run's time in ``timezone`` formatted by ``pattern``, by default its date ``yyyyMMdd``
    (the macro ``run_date``; ``ds_nodash`` is missing from runs without a logical date)."""
    return pendulum.instance(run_time).in_timezone(timezone).strftime(pattern)


def date_template(timezone: str = "UTC", pattern: str = "%Y%m%d") -> str:
    """A Jinja expression (no braces) of the run's time in ``timezone`` formatted by ``pattern``."""
    return f"{DATE_MACRO}({RUN_TIME}, {timezone!r}, {pattern!r})"


def macros() -> dict[str, object]:
    """The macros the templates of this module call, for ``user_defined_macros``."""
    return {MACRO: stream_window, DATE_MACRO: run_date}


def _instant(moment: pendulum.DateTime) -> str:
    return backup_layout.iso(_millis(moment))


def _millis(moment: pendulum.DateTime) -> int:
    return round(moment.timestamp() * 1000)
