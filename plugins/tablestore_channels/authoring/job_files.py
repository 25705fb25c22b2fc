"""Script-mode jobs as DAGs: each job file in a folder (``include/jobs/`` by default, see
:func:`jobs_folder`) becomes a DAG whose dag_id is the file name without extension.

A bad job file never breaks the others: :func:`load_job_dags` returns the good DAGs and, per bad
file, the error naming the file, the key and the fix (``dags/script_job_errors.py`` raises those,
from :func:`job_file_errors`, so they show as that file's import error in the UI).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Param
from airflow.sdk.exceptions import AirflowTimetableInvalid
from airflow.timetables.trigger import CronTriggerTimetable

from tablestore_channels.authoring.conventions import channel_dag
from tablestore_channels.authoring.job_variables import templatize_job, window_minutes
from tablestore_channels.authoring.tasks import channel_tasks, wait_until_settled
from tablestore_channels.config.job_file import load_job_file
from tablestore_channels.errors import ConfigError
from tablestore_channels.job import JobSpec, Schedule
from tablestore_channels.notifications.window_deadline import window_deadline

JOB_SUFFIXES = (".json",)
JOBS_DIR_ENV = "TABLESTORE_CHANNELS_JOBS_DIR"


def jobs_folder(default: Path) -> Path:
    """The folder of job files: ``$TABLESTORE_CHANNELS_JOBS_DIR`` when set (another checkout's
    jobs, tests), else ``default``."""
    return Path(os.environ.get(JOBS_DIR_ENV) or default)


def _describe(path: Path, spec: JobSpec, job: dict[str, Any]) -> str:
    reader = job["configuration"]["reader"]["parameter"]
    writer = job["configuration"]["writer"]["parameter"]
    source = reader.get("table") or reader.get("dataTable") or "?"
    target = writer.get("object") or writer.get("table") or "?"
    schedule = spec.schedule
    when = f"cron `{schedule.cron}` ({schedule.timezone})" if schedule and schedule.cron else "when triggered"
    if schedule and schedule.depends_on_past:
        when += ", self-dependent (a run starts after the previous one succeeded; one run at a time)"
    tasks = "plan -> transfer (one mapped task per split) -> commit"
    if spec.reader_plugin == "otsstream":
        tasks = "wait_until_settled (until the window of ${start_time} / ${end_time} has settled) -> " + tasks
    return (f"Script-mode job `{path.name}`: **{spec.reader_plugin}** reader -> **{spec.writer_plugin}** writer.\n\n"
            f"- source: `{source}` (connection `{reader.get('datasource') or 'default'}`)\n"
            f"- target: `{target}` (connection `{writer.get('datasource') or 'default'}`)\n"
            f"- concurrency: {spec.setting.speed.concurrent}, {spec.setting.error_limit.describe()}\n"
            f"- runs {when}\n\nTasks: {tasks}.")


def _timetable(schedule: Schedule | None) -> CronTriggerTimetable | None:
    """The job's cron schedule, checked here: Airflow would only reject it when bagging the DAG,
    as an import error of script_jobs.py that names neither the job file nor the key."""
    if schedule is None or not schedule.cron:
        return None
    timetable = CronTriggerTimetable(schedule.cron, timezone=schedule.timezone)
    try:
        timetable.validate()
    except AirflowTimetableInvalid as error:
        raise ConfigError("schedule.cron", f"is not a cron expression: {schedule.cron!r} ({error}).",
                          "use five fields, e.g. '0 2 * * *' for 02:00 every day.") from None
    return timetable


@dataclass(frozen=True)
class JobFile:
    """A validated job file: its spec, the job with ``${variables}`` turned into templates, the
    params those variables need and the schedule."""

    path: Path
    spec: JobSpec
    job: dict[str, Any]
    params: frozenset[str]
    timetable: CronTriggerTimetable | None

    @classmethod
    def load(cls, path: Path) -> JobFile:
        """Read and validate; raises ConfigError naming the file, the key and the fix."""
        raw = load_job_file(path)
        params: set[str] = set()
        try:
            spec = JobSpec.from_dict(raw)
            timetable = _timetable(spec.schedule)
            timezone = spec.schedule.timezone if spec.schedule else "UTC"
            job = templatize_job({k: v for k, v in raw.items() if k != "schedule"}, timezone, params)
            if params and timetable is not None:
                # Airflow refuses a scheduled DAG with a param nobody fills in (and every job DAG with it)
                raise ConfigError("schedule", f"a scheduled job cannot ask for {', '.join(f'${{{n}}}' for n in sorted(params))}"
                                  ": a scheduled run has nobody to fill it in.",
                                  "write the value into the job, or remove the schedule and trigger the job with it.")
        except ConfigError as error:
            raise ConfigError(str(path), str(error)) from None
        return cls(path, spec, job, frozenset(params), timetable)

    def dag(self) -> DAG:
        """The job's DAG: self-dependent when its schedule is (the cleanup teardown never is);
        an ``otsstream`` job first waits until its window has settled, as the stream DAG does,
        and has its windows' deadline."""
        spec = self.spec
        stream = spec.reader_plugin == "otsstream"
        with channel_dag(
            self.path.stem,
            doc_md=_describe(self.path, spec, self.job),
            schedule=self.timetable,
            start_date=spec.schedule.start_date if spec.schedule else None,
            catchup=spec.schedule.catchup if spec.schedule else False,
            params={name: Param(type="string", description=f"job variable ${{{name}}}") for name in sorted(self.params)},
            tags=(spec.reader_plugin, spec.writer_plugin, "script-mode"),
            max_active_runs=1,
            default_args_overrides={"depends_on_past": bool(spec.schedule and spec.schedule.depends_on_past)},
            deadline=window_deadline(*(float(m) for m in window_minutes(self.job))) if stream else None,
        ) as dag:
            channel = channel_tasks(self.job)
            if stream:
                wait_until_settled(*window_minutes(self.job)) >> channel
        return dag


def _job_paths(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).glob("*") if p.suffix in JOB_SUFFIXES)


def job_file_errors(folder: Path) -> dict[str, str]:
    """File -> error message for the invalid job files (builds no DAG: a DAG built here would be
    registered twice, here and in script_jobs.py)."""
    errors: dict[str, str] = {}
    for path in _job_paths(folder):
        try:
            JobFile.load(path)
        except ConfigError as error:
            errors[str(path)] = str(error)
    return errors


def load_job_dags(folder: Path) -> tuple[dict[str, DAG], dict[str, str]]:
    """(dag_id -> DAG for the valid job files, file -> error message for the invalid ones)."""
    dags: dict[str, DAG] = {}
    errors: dict[str, str] = {}
    for path in _job_paths(folder):
        try:
            dags[path.stem] = JobFile.load(path).dag()
        except ConfigError as error:
            errors[str(path)] = str(error)
    return dags, errors
