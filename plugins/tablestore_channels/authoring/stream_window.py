"""The seed's incremental window, in one place: a run at time ``t`` exports the changes committed
in ``[t - lag - window, t - lag)`` (the defaults, 5 and 5 minutes, give the seed's
``start_time = t - 10 min``, ``end_time = t - 5 min``), and its changes have settled at
``end + lag``.

DAG templates call it as the macro ``stream_window`` (every channel DAG has it); the stream DAG
and the ``${start_time}`` / ``${end_time}`` variables of job files are both written with
:func:`template`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pendulum

MACRO = "stream_window"
# The run's time: the logical date, or when it was triggered for runs without one.
RUN_TIME = "(logical_date or dag_run.run_after)"
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
        """``<yyyymmdd>/<start>-<end>/`` in UTC: where the window's objects go under a prefix."""
        start, end = self.start.in_timezone("UTC"), self.end.in_timezone("UTC")
        return f"{start:%Y%m%d}/{start.strftime(_KEY_TIME)}-{end.strftime(_KEY_TIME)}/"

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
    return f"{{{{ {MACRO}({RUN_TIME}, {window_minutes}, {lag_minutes}).{attribute} }}}}"


def _millis(moment: pendulum.DateTime) -> int:
    return round(moment.timestamp() * 1000)
