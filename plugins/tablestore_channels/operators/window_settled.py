"""The sensor a stream channel waits on until its window has settled."""

from __future__ import annotations

import datetime as dt

from airflow.providers.standard.sensors.date_time import DateTimeSensor

from tablestore_channels.channel import stream_window
from tablestore_channels.operators.channel import ChannelMacros


class WindowSettledSensor(ChannelMacros, DateTimeSensor):
    """Passes once the run's stream window (:mod:`~tablestore_channels.channel.stream_window`)
    has settled, at ``window end + lag``. In reschedule mode, so a run started early waits without
    holding a worker slot; a scheduled run passes at once.

    :param window_minutes: the window's length, a number or a Jinja expression (``params.window_minutes``).
    :param lag_minutes: how long changes settle, likewise.
    """

    def __init__(self, *, window_minutes: str = "5", lag_minutes: str = "5", task_id: str = "wait_until_settled",
                 **kwargs) -> None:
        kwargs.setdefault("mode", "reschedule")
        kwargs.setdefault("poke_interval", 30)
        kwargs.setdefault("timeout", 3600)  # a run for a time more than an hour ahead fails instead of waiting
        kwargs.setdefault("execution_timeout", dt.timedelta(minutes=5))  # one poke
        super().__init__(task_id=task_id,
                         target_time=stream_window.template("settled_at", window_minutes, lag_minutes), **kwargs)
