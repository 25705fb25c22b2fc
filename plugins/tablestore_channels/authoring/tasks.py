"""The task group of a channel job: plan -> transfer (mapped over the splits) -> commit, and the
cleanup teardown."""

from __future__ import annotations

from typing import Any

from airflow.sdk import TaskGroup

from tablestore_channels.operators.channel import (
    ChannelCleanupOperator,
    ChannelCommitOperator,
    ChannelPlanOperator,
    ChannelTransferOperator,
)


def channel_tasks(job: dict[str, Any], group_id: str = "channel") -> TaskGroup:
    """Wire plan -> transfer (mapped over the splits) -> commit, and the cleanup teardown, for
    ``job`` in a task group."""
    with TaskGroup(group_id=group_id) as group:
        plan = ChannelPlanOperator(task_id="plan", job=job)
        move = ChannelTransferOperator.partial(task_id="transfer", job=job).expand(split=plan.output)
        commit = ChannelCommitOperator(task_id="commit", job=job, plan=plan.output, results=move.output)
        # a cleanup runs whatever happened, also to the previous run: never wait for that one
        cleanup = ChannelCleanupOperator(task_id="cleanup", job=job, depends_on_past=False)
        commit >> cleanup.as_teardown(setups=plan)
    return group
