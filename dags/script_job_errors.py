"""Reports invalid script-mode job files (include/jobs/*.json) as this file's DAG import error,
naming each file, the key and the fix. It defines no DAG; the valid jobs' DAGs come from
script_jobs.py and keep working (airflow parses this file because it mentions a DAG)."""

from pathlib import Path

from tablestore_channels.authoring.job_files import job_file_errors, jobs_folder

JOBS = jobs_folder(Path(__file__).resolve().parents[1] / "include" / "jobs")

_errors = job_file_errors(JOBS)
if _errors:
    raise ValueError("Invalid job file(s):\n" + "\n".join(f"- {message}" for message in _errors.values()))
