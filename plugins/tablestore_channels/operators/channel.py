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
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from airflow.sdk import Asset, AssetAlias, BaseOperator, Context
from airflow.sdk.exceptions import AirflowFailException

from tablestore_channels import backup_layout, jobrun, lineage
from tablestore_channels.channel import stream_window
from tablestore_channels.errors import ConfigError, ErrorLimitExceeded, PreconditionError
from tablestore_channels.job import JobSpec
from tablestore_channels.operators.metrics import ChannelMetrics

log = logging.getLogger(__name__)
_NOT_RETRIABLE = (ConfigError, PreconditionError, ErrorLimitExceeded)
_PARAM_REFERENCE = re.compile(r"params(?:\.(\w+)|\[['\"](\w+)['\"]\])")
# ``{{ params.x or <default> }}``, ``{{ params.x if <condition> else <value> }}``,
# ``{{ (params.x or '') | filter(<other params>) }}``: the key is x's, the other params shape it
_PARAM_OR_DEFAULT = re.compile(r"\{\{\s*\(?\s*params(?:\.(\w+)|\[['\"](\w+)['\"]\])\s*(?:or\b|if\b|\)|\|)")
_LAST_SEGMENT = re.compile(r"(\.[^.\[]*|\[[^\]]*\])$")
_JOB_SECTIONS = ("reader.", "writer.", "setting.")


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


# The hooks (and the cloud SDKs behind them) are imported where a task uses them, not at module
# level: every task process and every DAG-file parse imports this module, and oss2 and the
# Alibaba provider's hooks alone cost about a second of CPU there.


def tablestore_instance(conn_id: str) -> str:
    """The instance name of a tablestore connection (the macro ``tablestore_instance``)."""
    from tablestore_channels.hooks.tablestore import TablestoreHook

    return TablestoreHook(tablestore_conn_id=conn_id).instance_name


def channel_macros() -> dict[str, Any]:
    """The macros a channel's templates call: ``stream_window``, ``run_date``, ``tablestore_instance``,
    and the default folders of :mod:`backup_layout` (``export_prefix``, ``stream_prefix``, ``export_folder``)."""
    return {**stream_window.macros(), **backup_layout.macros(), "tablestore_instance": tablestore_instance}


class ChannelMacros(BaseOperator):
    """An operator whose templates may call :func:`channel_macros` in any DAG (a user's DAG has
    no ``user_defined_macros`` of ours). The macros join the context where the fields are
    rendered: a mapped task (the transfer) is rendered by its ``MappedOperator``, which calls
    this method of the unmapped task, not its ``render_template_fields``."""

    def _do_render_template_fields(self, parent: Any, template_fields: Iterable[str], context: Context,
                                   jinja_env: Any, seen_oids: set[int]) -> None:
        for name, macro in channel_macros().items():
            context.setdefault(name, macro)  # type: ignore[misc]
        super()._do_render_template_fields(parent, template_fields, context, jinja_env, seen_oids)


class ChannelOperator(ChannelMacros):
    """Base: renders ``job`` and validates it once per task instance."""

    template_fields: Sequence[str] = ("job",)
    template_fields_renderers: ClassVar[dict[str, str]] = {"job": "json"}
    ui_color = "#ffe7c2"

    def __init__(self, *, job: dict[str, Any] | str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.job: Any = job  # a dict once rendered
        # read off the job's templates before they are rendered: which param sets which key
        self._param_of_key = _param_of_key(job)

    def _run(self, fn, *args):
        from tablestore_channels.hooks.connections import AirflowConnections

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
        if key.startswith(_JOB_SECTIONS):  # a reader or writer names its keys without the job's top
            key = f"configuration.{key}"
        prefix = key
        while prefix in self._param_of_key or _LAST_SEGMENT.search(prefix):
            if prefix in self._param_of_key:
                return f"param {self._param_of_key[prefix]!r} ({key})"
            prefix = _LAST_SEGMENT.sub("", prefix)
        return key


class ChannelPlanOperator(ChannelOperator):
    """Checks the source and target and cuts the source into splits.

    :param job: the job (``{"type": "job", "configuration": {...}}``); templated.
    Returns the list of split descriptors (the transfer task is mapped over it).
    """

    def execute(self, context: Context) -> list[dict]:
        splits = self._run(jobrun.plan, run_info(context))
        log.info("%d split(s) to transfer", len(splits))
        return splits


class ChannelTransferOperator(ChannelOperator):
    """Moves one split from the reader to the writer.

    :param job: the job; templated.
    :param split: one descriptor from the plan task (map this operator over the plan's output).
    Returns the split's result (objects, rows, bytes, dirty count) for the commit task. Mapped,
    each task instance is named in the UI by what its split reads (:func:`split_label`).
    """

    ui_color = "#c2e0ff"

    def __init__(self, *, split: dict, map_index_template: str | None = "{{ split_label }}", **kwargs) -> None:
        super().__init__(map_index_template=map_index_template, **kwargs)
        self.split = split

    def execute(self, context: Context) -> dict:
        context["split_label"] = split_label(self.split)  # type: ignore[typeddict-unknown-key]
        result = self._run(jobrun.run_split, run_info(context), self.split)
        ChannelMetrics(JobSpec.from_dict(self.job)).split_done(result["seconds"])
        return result


class ChannelCommitOperator(ChannelOperator):
    """Checks the error limit over all splits and commits the output (the manifest for OSS).

    :param job: the job; templated.
    :param plan: the plan task's descriptors (they carry the writer's context).
    :param results: the transfer tasks' results.
    Returns the summary: rows, bytes, objects, dirty count, duration, and where the output is.
    Each :class:`AssetAlias` among its ``outlets`` gets an event of the output's asset
    (:mod:`tablestore_channels.lineage`); OpenLineage gets the inputs and output with row counts.
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
        self.summary = summary
        ChannelMetrics(JobSpec.from_dict(self.job)).committed(summary)
        aliases = [o for o in self.outlets if isinstance(o, AssetAlias)]
        if aliases:
            output = lineage.output(JobSpec.from_dict(self.job), summary, _Namespaces())
            extra = lineage.event_extra(summary, run_info(context).details)
            for alias in aliases:
                context["outlet_events"][alias].add(Asset(output.uri), extra=extra)
        return summary

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """The job's input and output datasets, with the rows read and written (OpenLineage)."""
        from airflow.providers.openlineage.extractors import OperatorLineage
        from openlineage.client.event_v2 import InputDataset, OutputDataset
        from openlineage.client.facet_v2 import input_statistics_input_dataset, output_statistics_output_dataset

        summary = getattr(self, "summary", None) or {}
        spec, namespaces = JobSpec.from_dict(self.job), _Namespaces()
        read = input_statistics_input_dataset.InputStatisticsInputDatasetFacet(rowCount=summary.get("read"))
        written = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
            rowCount=summary.get("rows"), size=summary.get("bytes"), fileCount=summary.get("objects"))
        output = lineage.output(spec, summary, namespaces)
        return OperatorLineage(
            inputs=[InputDataset(d.namespace, d.name, inputFacets={"inputStatistics": read})
                    for d in lineage.inputs(spec, namespaces)],
            outputs=[OutputDataset(output.namespace, output.name, outputFacets={"outputStatistics": written})])


class ChannelCleanupOperator(ChannelOperator):
    """Teardown of a channel job: when the run did not commit (a split or the commit failed for
    good), removes the output it left, so nothing partial stays visible; after a commit it does
    nothing. Runs whatever happened to the other tasks; it does not decide the run's state.

    :param job: the job; templated.
    """

    ui_color = "#eeeeee"

    def execute(self, context: Context) -> dict:
        return self._run(jobrun.discard, run_info(context))


class _Namespaces:
    """:class:`tablestore_channels.datasets.Namespaces` from the Airflow connections."""

    def tablestore_instance(self, config: Any) -> str:
        return tablestore_instance(config.datasource)

    def oss_bucket(self, config: Any) -> str:
        from tablestore_channels.hooks.connections import AirflowConnections

        return AirflowConnections().oss_bucket(config).bucket_name


def split_label(split: Mapping[str, Any]) -> str:
    """What a split reads, in a few words: ``2/4 [0, 500)``, ``1/2 shards s1, s2``, ``1/3 12 objects``."""
    place = f"{split['index'] + 1}/{split['splits']}"
    reader = split["reader"]
    if reader.get("ranges"):
        ranges = reader["ranges"]
        start, end = (", ".join(_key_text(v) for v in ranges[0]["start"]),
                      ", ".join(_key_text(v) for v in ranges[-1]["end"]))
        return f"{place} [{start} .. {end})" + (f" in {len(ranges)} ranges" if len(ranges) > 1 else "")
    if reader.get("shards") is not None:
        ids = [s["shard_id"] for s in reader["shards"]]
        more = f" +{len(ids) - 3}" if len(ids) > 3 else ""
        return f"{place} shards {', '.join(ids[:3])}{more}" if ids else f"{place} no shards"
    if reader.get("objects") is not None:
        return f"{place} {len(reader['objects'])} objects"
    return place


def _key_text(value: Any) -> str:
    """A primary-key value of a split descriptor as text (its JSON form: see ``ots_client.keys``)."""
    if isinstance(value, dict):
        return {"min": "MIN", "max": "MAX"}.get(value.get("inf", ""), "") or f"0x{value.get('binary', '')[:8]}"
    return repr(value) if isinstance(value, str) else str(value)


def _param_of_key(job: Mapping[str, Any] | str) -> dict[str, str]:
    """Job key (``configuration.reader.parameter.table``) -> the param its template reads, for
    the keys that read exactly one param, or one param with a default made of others."""
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
            first = _PARAM_OR_DEFAULT.match(value.strip())
            if len(names) == 1 or first:
                found[key] = (first.group(1) or first.group(2)) if first else names.pop()

    walk(job, "")
    return found
