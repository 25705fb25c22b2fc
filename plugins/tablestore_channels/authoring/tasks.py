"""The task group of a channel job: plan -> transfer (mapped over the splits) -> commit, and the
cleanup teardown; and the sensor a stream job waits on until its window has settled.

Every task is bounded (:class:`ChannelTimeouts`), so a hung split fails, is retried and alerts
instead of blocking a self-dependent DAG's later runs without a word.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from airflow.providers.standard.sensors.date_time import DateTimeSensor
from airflow.sdk import AssetAlias, TaskGroup

from tablestore_channels.channel import stream_window
from tablestore_channels.operators.channel import (
    ChannelCleanupOperator,
    ChannelCommitOperator,
    ChannelPlanOperator,
    ChannelTransferOperator,
)


@dataclass(frozen=True)
class ChannelTimeouts:
    """The ``execution_timeout`` of each task of a channel. A transfer moves one split: at the
    default 4 hours, a split of 14 GB at 1 MB/s (``mbps`` 1 per split); raise it for larger
    throttled splits. The plan, the commit and the cleanup make a few calls each."""

    plan: dt.timedelta = dt.timedelta(minutes=15)
    transfer: dt.timedelta = dt.timedelta(hours=4)
    commit: dt.timedelta = dt.timedelta(minutes=15)
    cleanup: dt.timedelta = dt.timedelta(minutes=15)


# A stream window's split holds minutes of changes: a transfer still running after 30 minutes
# is stuck, and every later window waits for it.
STREAM_TIMEOUTS = ChannelTimeouts(transfer=dt.timedelta(minutes=30))


def channel_tasks(job: dict[str, Any], group_id: str = "channel", *, emits_asset: bool = True,
                  timeouts: ChannelTimeouts | None = None) -> TaskGroup:
    """Wire plan -> transfer (mapped over the splits) -> commit, and the cleanup teardown, for
    ``job`` in a task group. The commit emits an event of its output's asset through the alias
    ``<dag_id>.<group_id>`` unless ``emits_asset`` is false (a job whose output is not yet the
    DAG's result). ``timeouts`` bound each task (:class:`ChannelTimeouts`' defaults; those of a
    stream job when its reader is ``otsstream``)."""
    if timeouts is None:
        # a job rendered at run time (a template string) gets the general bounds
        reader = job.get("configuration", {}).get("reader", {}).get("plugin") if isinstance(job, dict) else None
        timeouts = STREAM_TIMEOUTS if reader == "otsstream" else ChannelTimeouts()
    with TaskGroup(group_id=group_id) as group:
        plan = ChannelPlanOperator(task_id="plan", job=job, execution_timeout=timeouts.plan)
        move = ChannelTransferOperator.partial(task_id="transfer", job=job, execution_timeout=timeouts.transfer
                                               ).expand(split=plan.output)
        outlets = [AssetAlias(f"{group.dag.dag_id}.{group_id}")] if emits_asset else []
        commit = ChannelCommitOperator(task_id="commit", job=job, plan=plan.output, results=move.output,
                                       outlets=outlets, execution_timeout=timeouts.commit)
        # a cleanup runs whatever happened, also to the previous run: never wait for that one
        cleanup = ChannelCleanupOperator(task_id="cleanup", job=job, depends_on_past=False,
                                         execution_timeout=timeouts.cleanup)
        commit >> cleanup.as_teardown(setups=plan)
    return group


def wait_until_settled(window_minutes: str = "5", lag_minutes: str = "5") -> DateTimeSensor:
    """A sensor that passes once the run's stream window (:mod:`stream_window`, the minutes as
    Jinja expressions) has settled; in reschedule mode, so a run started early waits without
    holding a worker slot, and a scheduled run passes at once."""
    return DateTimeSensor(
        task_id="wait_until_settled",
        target_time=stream_window.template("settled_at", window_minutes, lag_minutes),
        mode="reschedule",
        poke_interval=30,
        timeout=3600,  # a run for a time more than an hour ahead fails instead of waiting for it
        execution_timeout=dt.timedelta(minutes=5),  # one poke
    )
