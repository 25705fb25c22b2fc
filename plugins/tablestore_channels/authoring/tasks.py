"""The task group of a channel job: plan -> transfer (mapped over the splits) -> commit, and the
cleanup teardown; and the sensor a stream job waits on until its window has settled."""

from __future__ import annotations

from typing import Any

from airflow.providers.standard.sensors.date_time import DateTimeSensor
from airflow.sdk import AssetAlias, TaskGroup

from tablestore_channels.authoring import stream_window
from tablestore_channels.operators.channel import (
    ChannelCleanupOperator,
    ChannelCommitOperator,
    ChannelPlanOperator,
    ChannelTransferOperator,
)


def channel_tasks(job: dict[str, Any], group_id: str = "channel", *, emits_asset: bool = True) -> TaskGroup:
    """Wire plan -> transfer (mapped over the splits) -> commit, and the cleanup teardown, for
    ``job`` in a task group. The commit emits an event of its output's asset through the alias
    ``<dag_id>.<group_id>`` unless ``emits_asset`` is false (a job whose output is not yet the
    DAG's result)."""
    with TaskGroup(group_id=group_id) as group:
        plan = ChannelPlanOperator(task_id="plan", job=job)
        move = ChannelTransferOperator.partial(task_id="transfer", job=job).expand(split=plan.output)
        outlets = [AssetAlias(f"{group.dag.dag_id}.{group_id}")] if emits_asset else []
        commit = ChannelCommitOperator(task_id="commit", job=job, plan=plan.output, results=move.output,
                                       outlets=outlets)
        # a cleanup runs whatever happened, also to the previous run: never wait for that one
        cleanup = ChannelCleanupOperator(task_id="cleanup", job=job, depends_on_past=False)
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
        timeout=3600,
    )
