"""SQLite settings for the single-machine Airflow of ``make up``.

SQLite takes one writer at a time and makes the others wait up to its busy timeout, 5 s by
default. On a busy two-core machine the scheduler, the DAG processor and the API server can hold
the write lock longer than that, and a request of the UI then fails with HTTP 500 ("database is
locked"): a click on Trigger creates the run but its unpause is lost, and the run never starts.
Airflow imports these connect arguments by dotted path (``[database] sql_alchemy_connect_args``).
"""

from __future__ import annotations

CONNECT_ARGS = {"timeout": 60}  # seconds a writer waits for the lock

SETTINGS = {
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": "devstack.sqlite.CONNECT_ARGS",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS_ASYNC": "devstack.sqlite.CONNECT_ARGS",
}
