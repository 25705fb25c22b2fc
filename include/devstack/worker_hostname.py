"""The task-instance hostname of a worker of ``make cluster``: Airflow records
``[core] hostname_callable`` on every task instance, and the workers of one machine would all
record the machine's name. Each native worker names itself in ``DEVSTACK_WORKER_HOSTNAME``."""

from __future__ import annotations

import os
import socket

ENV = "DEVSTACK_WORKER_HOSTNAME"


def hostname() -> str:
    return os.environ.get(ENV) or socket.getfqdn()
