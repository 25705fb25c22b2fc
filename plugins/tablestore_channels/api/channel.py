"""The channel as a task group users compose: plan -> transfer (mapped over the splits) -> commit,
and the cleanup teardown; the stream channel adds its window, the settle sensor and the
self-dependency.

::

    with DAG("orders_to_oss", schedule="@daily", start_date=...):
        TablestoreChannel(
            reader=OTSReader(table="orders"),
            writer=OSSWriter(object="exports/orders/{{ ds_nodash }}/", write_mode="truncate", file_format="parquet"),
            setting=Setting(concurrent=4),
        )

Every task is bounded (:class:`ChannelTimeouts`), so a hung split fails, is retried and alerts
instead of blocking a self-dependent DAG's later runs without a word. ``default_args`` (of the
DAG or of the group) and ``operator_args`` reach every task: ``pool``, ``queue``,
``priority_weight``, ``execution_timeout``, ``on_failure_callback``, ...
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow.sdk import AssetAlias, TaskGroup

from tablestore_channels.api.arguments import PluginArguments, caller, located
from tablestore_channels.api.readers import OSSReader, OTSReader, OTSStreamReader
from tablestore_channels.api.setting import Setting
from tablestore_channels.api.writers import ODPSWriter, OSSWriter, OTSWriter
from tablestore_channels.channel import stream_window
from tablestore_channels.errors import ConfigError
from tablestore_channels.operators.channel import (
    ChannelCleanupOperator,
    ChannelCommitOperator,
    ChannelPlanOperator,
    ChannelTransferOperator,
)
from tablestore_channels.operators.window_settled import WindowSettledSensor

Reader = OTSReader | OTSStreamReader | OSSReader
Writer = OSSWriter | ODPSWriter | OTSWriter
READER_CLASSES: dict[str, type[PluginArguments]] = {c.PLUGIN: c for c in (OTSReader, OTSStreamReader, OSSReader)}
WRITER_CLASSES: dict[str, type[PluginArguments]] = {c.PLUGIN: c for c in (OSSWriter, ODPSWriter, OTSWriter)}
# In a stream channel's ODPSWriter partition: the window's start, yyyyMMddHHmmss in UTC.
WINDOW_START = "${window_start}"
_TEMPLATE = re.compile(r"^\{\{(.*)\}\}$", re.DOTALL)


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


def job_of(reader: PluginArguments, writer: PluginArguments, setting: Setting | None = None) -> dict[str, Any]:
    """The Data Integration job of typed ``reader``, ``writer`` and ``setting``."""
    return {"type": "job", "version": "1.0",
            "configuration": {"setting": (setting or Setting()).to_setting(),
                              "reader": reader.to_plugin(), "writer": writer.to_plugin()}}


def typed_job(job: Mapping[str, Any]) -> tuple[PluginArguments, PluginArguments] | None:
    """The typed reader and writer of a job dict (checked as if built in Python), or None for
    plugins without a typed class (the point-in-time restore's)."""
    conf = job.get("configuration") or {}
    reader, writer = conf.get("reader") or {}, conf.get("writer") or {}
    reader_class, writer_class = READER_CLASSES.get(str(reader.get("plugin"))), WRITER_CLASSES.get(str(writer.get("plugin")))
    if reader_class is None or writer_class is None:
        return None
    return (reader_class.from_parameter(reader.get("parameter") or {}),
            writer_class.from_parameter(writer.get("parameter") or {}))


def check_combination(reader: PluginArguments, writer: PluginArguments, *, stream: bool) -> None:
    """Refuse a reader and writer that cannot work together, or a reader in the wrong channel."""
    name = "TablestoreStreamChannel" if stream else "TablestoreChannel"
    if not isinstance(reader, PluginArguments) or reader.ROLE != "reader":
        raise ConfigError(f"{name}(reader=...)", f"must be a typed reader, got {type(reader).__name__}.",
                          "use OTSReader, OTSStreamReader or OSSReader.")
    if not isinstance(writer, PluginArguments) or writer.ROLE != "writer":
        raise ConfigError(f"{name}(writer=...)", f"must be a typed writer, got {type(writer).__name__}.",
                          "use OSSWriter, ODPSWriter or OTSWriter.")
    if stream and not isinstance(reader, OTSStreamReader):
        raise ConfigError(f"{name}(reader=...)", f"reads a stream, got {type(reader).__name__}.",
                          "use TablestoreChannel for a full export or a restore.")
    if stream and isinstance(reader, OTSStreamReader) and reader.has_window:
        raise ConfigError(f"{name}(reader=...)", "derives each run's window; the reader sets one.",
                          "remove start_/end_timestamp_millis, start_/end_time_string and date from the reader.")
    if not stream and isinstance(reader, OTSStreamReader) and not reader.has_window:
        raise ConfigError(f"{name}(reader=...)", "an OTSStreamReader here needs its window.",
                          "use TablestoreStreamChannel (the window of each run), or set the reader's window.")
    if isinstance(reader, OSSReader) and not isinstance(writer, OTSWriter):
        raise ConfigError(f"{name}(writer=...)", f"OSSReader restores into Tablestore, got {type(writer).__name__}.",
                          "use OTSWriter.")
    if isinstance(writer, OTSWriter) and not isinstance(reader, OSSReader):
        raise ConfigError(f"{name}(writer=...)", f"OTSWriter restores objects of OSS, got {type(reader).__name__}.",
                          "read with OSSReader (for a table as of a past moment, see tablestore_restore_point_in_time).")


class TablestoreChannel(TaskGroup):
    """A channel job as a task group: **plan** (checks source and target, cuts the source into
    at most ``setting.concurrent`` splits) -> **transfer** (one mapped task per split, named in
    the UI by its key range, shards or objects) -> **commit** (all or nothing: the manifest, the
    tunnel session, the checkpoints), and the **cleanup** teardown that removes what a failed run
    left.

    :param reader: an :class:`OTSReader` (full export) or :class:`OSSReader` (restore).
    :param writer: an :class:`OSSWriter`, :class:`ODPSWriter` or :class:`OTSWriter`.
    :param setting: concurrency, throttle and error limit (:class:`Setting`); default one split.
    :param job: instead of ``reader`` / ``writer`` / ``setting``: a Data Integration job dict (or a
        template of one), checked by the same classes.
    :param group_id: the group's id in the DAG.
    :param timeouts: each task's ``execution_timeout``; by default :class:`ChannelTimeouts`, unless
        ``default_args`` or ``operator_args`` give one.
    :param emits_asset: the commit emits an event of the output's asset through the alias
        ``<dag_id>.<group_id>``; false for a job whose output is not yet the DAG's result.
    :param operator_args: keyword arguments for every task (``pool``, ``queue``, ...).
    :param task_group_args: the rest go to :class:`airflow.sdk.TaskGroup` (``default_args``,
        ``tooltip``, ``prefix_group_id``, ...).
    """

    _stream = False

    def __init__(self, *, reader: Reader | None = None, writer: Writer | None = None, setting: Setting | None = None,
                 job: Mapping[str, Any] | str | None = None, group_id: str = "channel",
                 timeouts: ChannelTimeouts | None = None, emits_asset: bool = True,
                 operator_args: Mapping[str, Any] | None = None, **task_group_args: Any) -> None:
        where = caller()
        try:
            self.job = self._job(reader, writer, setting, job)
        except ConfigError as error:
            raise located(error, where) from None
        super().__init__(group_id=group_id, **task_group_args)
        args = dict(operator_args or {})
        explicit = "execution_timeout" in args or "execution_timeout" in {**self.dag.default_args, **self.default_args}
        bounds = None if explicit else (timeouts or self._timeouts())
        with self:
            plan = ChannelPlanOperator(task_id="plan", job=self.job, **_bounded(args, bounds.plan if bounds else None))
            move = ChannelTransferOperator.partial(task_id="transfer", job=self.job,
                                                   **_bounded(args, bounds.transfer if bounds else None)
                                                   ).expand(split=plan.output)
            outlets = [AssetAlias(f"{self.dag.dag_id}.{group_id}")] if emits_asset else []
            commit = ChannelCommitOperator(task_id="commit", job=self.job, plan=plan.output, results=move.output,
                                           outlets=outlets, **_bounded(args, bounds.commit if bounds else None))
            # a cleanup runs whatever happened, also to the previous run: never wait for that one
            cleanup = ChannelCleanupOperator(task_id="cleanup", job=self.job, depends_on_past=False,
                                             **_bounded(args, bounds.cleanup if bounds else None))
            commit >> cleanup.as_teardown(setups=plan)
        self.plan = plan

    def _job(self, reader: Reader | None, writer: Writer | None, setting: Setting | None,
             job: Mapping[str, Any] | str | None) -> dict[str, Any] | str:
        if job is not None:
            if reader is not None or writer is not None or setting is not None:
                raise ConfigError(f"{type(self).__name__}(job=...)", "is given with reader / writer / setting.",
                                  "give either the job or the typed reader and writer.")
            if isinstance(job, Mapping):
                typed_job(job)  # the checks of the typed classes, on the job's names
                return dict(job)
            return job  # a template: checked when rendered
        if reader is None or writer is None:
            raise ConfigError(f"{type(self).__name__}(reader=..., writer=...)", "are required.",
                              "pass a typed reader and writer (or a job).")
        check_combination(reader, writer, stream=self._stream)
        return job_of(reader, writer, setting)

    def _timeouts(self) -> ChannelTimeouts:
        reader = self.job.get("configuration", {}).get("reader", {}) if isinstance(self.job, dict) else {}
        return STREAM_TIMEOUTS if reader.get("plugin") == "otsstream" else ChannelTimeouts()


class TablestoreStreamChannel(TablestoreChannel):
    """The incremental sync of a table's Stream as a task group: each run reads the changes
    committed in its window ``[t - lag - window, t - lag)`` (``t`` the run's logical date, or when
    it was to run; the reader's ``window_minutes`` / ``lag_minutes``, 5 and 5 by default: the
    seed's ts-10min..ts-5min), after **wait_until_settled** (a sensor in reschedule mode: a run
    started early waits for ``window end + lag``), then plan -> transfer -> commit as
    :class:`TablestoreChannel`.

    Every task is self-dependent (``depends_on_past``: a window runs only after the previous one
    succeeded) and the DAG runs one window at a time (``max_active_runs`` 1). An
    :class:`OSSWriter`'s ``object`` is the prefix under which each window gets its folder
    ``<yyyymmdd>/<start>-<end>/`` (UTC); an :class:`ODPSWriter`'s ``partition`` may name the
    window by ``${window_start}`` (yyyyMMddHHmmss, UTC). Put a deadline on the DAG with
    :func:`tablestore_channels.notifications.window_deadline.window_deadline`.

    Takes the arguments of :class:`TablestoreChannel`; ``reader`` must be an
    :class:`OTSStreamReader` without a window of its own.
    """

    _stream = True

    def __init__(self, *, group_id: str = "stream_channel", **kwargs: Any) -> None:
        # a task new to a DAG that already ran (an upgrade, a changed group) runs its first time
        # without a predecessor: Airflow would otherwise wait for it forever
        default_args = {"depends_on_past": True, "ignore_first_depends_on_past": True, **kwargs.pop("default_args", {})}
        super().__init__(group_id=group_id, default_args=default_args, **kwargs)
        reader = self.job["configuration"]["reader"]["parameter"] if isinstance(self.job, dict) else {}
        with self:
            settled = WindowSettledSensor(window_minutes=_expression(reader.get("windowMinutes", 5)),
                                          lag_minutes=_expression(reader.get("lagMinutes", 5)))
        settled >> self.plan
        self.dag.max_active_runs = 1

    def _job(self, reader: Reader | None, writer: Writer | None, setting: Setting | None,
             job: Mapping[str, Any] | str | None) -> dict[str, Any] | str:
        built = super()._job(reader, writer, setting, job)
        if job is not None:
            return built
        assert isinstance(built, dict)
        parameter = built["configuration"]["reader"]["parameter"]
        minutes = (_expression(parameter["windowMinutes"]), _expression(parameter["lagMinutes"]))
        parameter["startTimestampMillis"] = stream_window.template("start_ms", *minutes)
        parameter["endTimestampMillis"] = stream_window.template("end_ms", *minutes)
        target = built["configuration"]["writer"]["parameter"]
        if isinstance(writer, OSSWriter):
            prefix = target["object"]
            target["object"] = prefix + ("" if prefix.endswith("/") else "/") + stream_window.template("path", *minutes)
        elif isinstance(writer, ODPSWriter) and target.get("partition"):  # a template may render to the variable
            target["partition"] = _substituted(target["partition"], WINDOW_START,
                                               stream_window.expression("start_string('UTC')", *minutes))
        return built


def _bounded(args: dict[str, Any], timeout: dt.timedelta | None) -> dict[str, Any]:
    return {**args, "execution_timeout": timeout} if timeout is not None else args


def _expression(value: Any) -> str:
    """A Jinja expression of ``value``: a template's inside, or a number as text."""
    if isinstance(value, str):
        match = _TEMPLATE.match(value.strip())
        return f"({match.group(1).strip()})" if match else value
    return repr(value)


def _substituted(value: str, variable: str, expression: str) -> str:
    """``value`` with ``variable`` replaced by the Jinja ``expression``'s value, also when ``value``
    is itself a template (then at render time)."""
    match = _TEMPLATE.match(value.strip())
    if match:
        return f"{{{{ ({match.group(1).strip()}) | replace({variable!r}, {expression}) }}}}"
    return value.replace(variable, f"{{{{ {expression} }}}}")
