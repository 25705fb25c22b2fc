"""Operators of a channel job: plan -> transfer (one mapped task instance per split) -> commit.

They own templating (the whole ``job`` dict is a template field), turn the rendered job into a
validated :class:`JobSpec`, and hand off to :mod:`tablestore_channels.jobrun`. Errors that a
retry cannot cure (configuration, preconditions, the error limit) fail the task at once; others
(network, throttling) are left to Airflow's retries.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import BaseOperator, Context
from airflow.sdk.exceptions import AirflowFailException

from tablestore_channels import jobrun
from tablestore_channels.config.job import JobSpec
from tablestore_channels.errors import ConfigError, ErrorLimitExceeded, PreconditionError
from tablestore_channels.hooks.connections import AirflowConnections

log = logging.getLogger(__name__)
_NOT_RETRIABLE = (ConfigError, PreconditionError, ErrorLimitExceeded)
_PARAM_REFERENCE = re.compile(r"params(?:\.(\w+)|\[['\"](\w+)['\"]\])")
_LAST_SEGMENT = re.compile(r"(\.[^.\[]*|\[[^\]]*\])$")


def run_info(context: Context) -> jobrun.RunInfo:
    """The run's identity: ``run_key`` names its objects (stable across retries and reruns)."""
    dag_run = context["dag_run"]
    when = dag_run.logical_date or dag_run.run_after
    digest = hashlib.sha1(f"{dag_run.dag_id}/{dag_run.run_id}".encode()).hexdigest()[:8]
    return jobrun.RunInfo(
        run_key=f"{when:%Y%m%dT%H%M%S}_{digest}",
        details={"dag_id": dag_run.dag_id, "run_id": dag_run.run_id,
                 "logical_date": when.isoformat()},
    )


class _ChannelOperator(BaseOperator):
    """Base: renders ``job`` and validates it once per task instance."""

    template_fields: Sequence[str] = ("job",)
    ui_color = "#ffe7c2"

    def __init__(self, *, job: dict[str, Any], **kwargs) -> None:
        super().__init__(**kwargs)
        self.job = job
        # read off the job's templates before they are rendered: which param sets which key
        self._param_of_key = _param_of_key(job)

    def _run(self, fn, *args):
        try:
            return fn(JobSpec.from_dict(self.job), AirflowConnections(), *args)
        except _NOT_RETRIABLE as error:
            message = f"{type(error).__name__}: {error.located(self._where(error.key))}" if error.key \
                else f"{type(error).__name__}: {error}"
            # An expected failure: one line that says it all, and no retry (nor the cause's traceback).
            log.error("%s", message)
            raise AirflowFailException(message) from None

    def _where(self, key: str) -> str:
        """The param that set ``key`` (or the one that set the nearest enclosing key), and the key."""
        prefix = key
        while prefix in self._param_of_key or _LAST_SEGMENT.search(prefix):
            if prefix in self._param_of_key:
                return f"param {self._param_of_key[prefix]!r} ({key})"
            prefix = _LAST_SEGMENT.sub("", prefix)
        return key


class ChannelPlanOperator(_ChannelOperator):
    """Checks the source and target and cuts the source into splits.

    :param job: the job (``{"type": "job", "configuration": {...}}``); templated.
    Returns the list of split descriptors (the transfer task is mapped over it).
    """

    def execute(self, context: Context) -> list[dict]:
        splits = self._run(jobrun.plan, run_info(context))
        log.info("%d split(s) to transfer", len(splits))
        return splits


class ChannelTransferOperator(_ChannelOperator):
    """Moves one split from the reader to the writer.

    :param job: the job; templated.
    :param split: one descriptor from the plan task (map this operator over the plan's output).
    Returns the split's result (objects, rows, bytes, dirty count) for the commit task.
    """

    ui_color = "#c2e0ff"

    def __init__(self, *, split: dict, **kwargs) -> None:
        super().__init__(**kwargs)
        self.split = split

    def execute(self, context: Context) -> dict:
        return self._run(jobrun.run_split, run_info(context), self.split)


class ChannelCommitOperator(_ChannelOperator):
    """Checks the error limit over all splits and commits the output (the manifest for OSS).

    :param job: the job; templated.
    :param plan: the plan task's descriptors (they carry the writer's context).
    :param results: the transfer tasks' results.
    Returns the summary: rows, bytes, objects, dirty count, duration, and where the output is.
    """

    template_fields: Sequence[str] = ("job", "plan", "results")  # rendering resolves the XComs
    ui_color = "#c9f2c7"

    def __init__(self, *, plan: Any, results: Any, **kwargs) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.results = results

    def execute(self, context: Context) -> dict:
        summary = self._run(jobrun.commit, run_info(context), list(self.results), self.plan[0]["writer"])
        # from the plan to now (the DAG run's start date is the logical date under `dags test`)
        summary["duration_seconds"] = round(time.time() - self.plan[0]["planned_at"], 3)
        log.info("Committed: %s", summary)
        return summary


class ChannelCleanupOperator(_ChannelOperator):
    """Teardown of a channel job: when the run did not commit (a split or the commit failed for
    good), removes the output it left, so nothing partial stays visible; after a commit it does
    nothing. Runs whatever happened to the other tasks; it does not decide the run's state.

    :param job: the job; templated.
    """

    ui_color = "#eeeeee"

    def execute(self, context: Context) -> dict:
        return self._run(jobrun.discard, run_info(context))


def _param_of_key(job: Mapping[str, Any]) -> dict[str, str]:
    """Job key (``configuration.reader.parameter.table``) -> the param its template reads, for
    the keys that read exactly one param."""
    found: dict[str, str] = {}

    def walk(value: Any, key: str) -> None:
        if isinstance(value, Mapping):
            for name, item in value.items():
                walk(item, f"{key}.{name}" if key else name)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{key}[{index}]")
        elif isinstance(value, str):
            names = {a or b for a, b in _PARAM_REFERENCE.findall(value)}
            if len(names) == 1:
                found[key] = names.pop()

    walk(job, "")
    return found
