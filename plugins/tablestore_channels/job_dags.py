"""Script-mode jobs as DAGs: each job file in a folder (``include/jobs/`` by default) becomes a
DAG whose dag_id is the file name without extension.

A bad job file never breaks the others: :func:`load_job_dags` returns the good DAGs and, per bad
file, the error naming the file, the key and the fix (``dags/script_job_errors.py`` raises those,
so they show as that file's import error in the UI).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Param
from airflow.timetables.trigger import CronTriggerTimetable

from tablestore_channels.config.job import JobSpec
from tablestore_channels.config.job_file import load_job_file, templatize
from tablestore_channels.dag_conventions import channel_dag
from tablestore_channels.errors import ConfigError
from tablestore_channels.operators.channel import channel_tasks

JOB_SUFFIXES = (".json",)


def _describe(path: Path, spec: JobSpec, job: dict[str, Any]) -> str:
    reader = job["configuration"]["reader"]["parameter"]
    writer = job["configuration"]["writer"]["parameter"]
    source = reader.get("table") or reader.get("dataTable") or "?"
    target = writer.get("object") or writer.get("table") or "?"
    when = f"cron `{spec.schedule.cron}` ({spec.schedule.timezone})" if spec.schedule and spec.schedule.cron \
        else "when triggered"
    return (f"Script-mode job `{path.name}`: **{spec.reader_plugin}** reader -> **{spec.writer_plugin}** writer.\n\n"
            f"- source: `{source}` (connection `{reader.get('datasource') or 'default'}`)\n"
            f"- target: `{target}` (connection `{writer.get('datasource') or 'default'}`)\n"
            f"- concurrency: {spec.setting.speed.concurrent}, {spec.setting.error_limit.describe()}\n"
            f"- runs {when}\n\nTasks: plan -> transfer (one mapped task per split) -> commit.")


def job_dag(path: Path) -> DAG:
    """Build the DAG of one job file; raises ChannelError (ConfigError) if the job is invalid."""
    raw = load_job_file(path)
    try:
        spec = JobSpec.from_dict(raw)
    except ConfigError as error:
        raise ConfigError(str(path), str(error)) from None
    params: set[str] = set()
    timezone = spec.schedule.timezone if spec.schedule else "UTC"
    job = templatize({k: v for k, v in raw.items() if k != "schedule"}, timezone, params)
    schedule = CronTriggerTimetable(spec.schedule.cron, timezone=timezone) if spec.schedule and spec.schedule.cron \
        else None
    with channel_dag(
        path.stem,
        doc_md=_describe(path, spec, job),
        schedule=schedule,
        start_date=spec.schedule.start_date if spec.schedule else None,
        catchup=spec.schedule.catchup if spec.schedule else False,
        params={name: Param(type="string", description=f"job variable ${{{name}}}") for name in sorted(params)},
        tags=(spec.reader_plugin, spec.writer_plugin, "script-mode"),
        max_active_runs=1,
    ) as dag:
        channel_tasks(job)
    return dag


def load_job_dags(folder: Path) -> tuple[dict[str, DAG], dict[str, str]]:
    """(dag_id -> DAG for the valid job files, file -> error message for the invalid ones)."""
    dags: dict[str, DAG] = {}
    errors: dict[str, str] = {}
    for path in sorted(p for p in Path(folder).glob("*") if p.suffix in JOB_SUFFIXES):
        try:
            dags[path.stem] = job_dag(path)
        except ConfigError as error:
            errors[str(path)] = str(error)
    return dags, errors
