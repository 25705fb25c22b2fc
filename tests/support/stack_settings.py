"""The Airflow settings every test stack (a scheduler and its components in subprocesses: make up's,
the Celery cluster's, the backfill test's) runs with, on a 2-core machine shared with the rest of
the suite. Production values are Airflow's defaults."""

from __future__ import annotations

BUSY_MACHINE = {
    # every task process parses its DAG file: 10 s and more on a busy 2-core machine, which can
    # pass Airflow's 30 s and fail the task before it starts
    "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "300",
    "AIRFLOW__DAG_PROCESSOR__DAG_FILE_PROCESSOR_TIMEOUT": "300",
    # a task's calls to the API server wait for an answer on a loaded machine
    "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "30",
    # each DAG file is parsed once, when the DAG processor finds it: the stacks' files do not
    # change under them, and parsing each again every 30 s (the default) took about a third of
    # a core per stack
    "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "3600",
    # only the runs the tests trigger: the stream DAGs' 5-minute schedule would add runs beside
    # them (and before theirs: depends_on_past)
    "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
}
