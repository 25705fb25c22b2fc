"""Airflow DAGs from script-mode job files (include/jobs/*.json): one DAG per valid file.

Invalid files are reported by script_job_errors.py, so they never hide the valid ones.
"""

from pathlib import Path

from tablestore_channels.authoring.job_files import jobs_folder, load_job_dags

JOBS = jobs_folder(Path(__file__).resolve().parents[1] / "include" / "jobs")

_dags, _errors = load_job_dags(JOBS)
globals().update(_dags)
