"""The tasks of a job dict's channel (:class:`TablestoreChannel` with ``job=``), and the sensor a
stream job waits on until its window has settled: what the params-driven DAGs and job files use."""

from __future__ import annotations

from typing import Any

from tablestore_channels.api.channel import STREAM_TIMEOUTS, ChannelTimeouts, TablestoreChannel
from tablestore_channels.operators.window_settled import WindowSettledSensor

__all__ = ["STREAM_TIMEOUTS", "ChannelTimeouts", "channel_tasks", "wait_until_settled"]


def channel_tasks(job: dict[str, Any] | str, group_id: str = "channel", *, emits_asset: bool = True,
                  timeouts: ChannelTimeouts | None = None) -> TablestoreChannel:
    """:class:`TablestoreChannel` of ``job`` (a dict, or a template of one rendered at run time)."""
    return TablestoreChannel(job=job, group_id=group_id, emits_asset=emits_asset, timeouts=timeouts)


def wait_until_settled(window_minutes: str = "5", lag_minutes: str = "5") -> WindowSettledSensor:
    """The sensor that passes once the run's stream window has settled (the minutes as Jinja
    expressions): :class:`WindowSettledSensor`."""
    return WindowSettledSensor(window_minutes=window_minutes, lag_minutes=lag_minutes)
