"""Airflow DAGs from script-mode job files (include/jobs/*.json): one DAG per valid file.

Invalid files are reported by script_job_errors.py, so they never hide the valid ones.
"""

from pathlib import Path

from tablestore_channels.job_dags import load_job_dags

JOBS = Path(__file__).resolve().parents[1] / "include" / "jobs"

_dags, _errors = load_job_dags(JOBS)
globals().update(_dags)
