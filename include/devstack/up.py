"""``make up``: the local cloud servers plus ``airflow standalone`` with this project's DAGs,
plugins and connections, and what the DAGs need on the servers (see :mod:`devstack.targets`).

SIGTERM or Ctrl-C stops everything it started: Airflow (the API server, scheduler, DAG processor,
triggerer and the executor's workers, all below ``airflow standalone``) is stopped as a whole
process tree, then killed if it lingers, and the local servers after it. The data stays in ``.localcloud/`` (or
``$LOCALCLOUD_DATA_DIR``) and ``$AIRFLOW_HOME``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from devstack import sqlite, targets
from devstack.connections import import_into_airflow
from devstack.processes import stop_trees
from localcloud.process import LocalCloudProcess

ROOT = Path(__file__).resolve().parents[2]
STOP_GRACE_SECONDS = 30
LOCAL_HOST = "127.0.0.1"


def _interrupt(*_) -> None:
    raise KeyboardInterrupt  # SIGTERM stops everything, like Ctrl-C


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    airflow = str(Path(sys.executable).with_name("airflow"))
    cloud = LocalCloudProcess(Path(os.environ.get("LOCALCLOUD_DATA_DIR") or ROOT / ".localcloud"))
    standalone: subprocess.Popen | None = None
    try:
        endpoints = cloud.start(timeout=300)
        for line in targets.prepare(endpoints):
            print(f"Created {line}", flush=True)
        # In the metadata DB (not only in the environment) so they show under Admin > Connections.
        import_into_airflow(endpoints)
        port = os.environ.get("AIRFLOW__API__PORT", "8080")
        # A local-only login made by `make airflow-db` (not a cloud secret), shown so the user can log in.
        passwords = json.loads(Path(os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).read_text())
        user, password = next(iter(passwords.items()))
        # Loopback unless the user opens it (AIRFLOW__API__HOST=0.0.0.0): the login is admin/admin
        # and the connection Test button makes the server call out with the connections' secrets.
        env = {"AIRFLOW__API__HOST": LOCAL_HOST, **os.environ}
        if env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "sqlite").startswith("sqlite"):
            env = {**sqlite.SETTINGS, **env}  # settings of the user's own win
        standalone = subprocess.Popen([airflow, "standalone"], start_new_session=True, env=env)
        host = env["AIRFLOW__API__HOST"]
        shown = "localhost" if host == LOCAL_HOST else host
        print(f"\nLocal cloud servers: {json.dumps({k: v['endpoint'] for k, v in endpoints.items()})}\n"
              f"Airflow UI: http://{shown}:{port}  (login: {user} / {password}; listening on {host})\n"
              "Ctrl-C (or SIGTERM) stops Airflow and the local servers.\n", flush=True)
        return standalone.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if standalone is not None:
            stop_trees([standalone.pid], STOP_GRACE_SECONDS, signal_children=True)
            standalone.wait()
        cloud.stop()


if __name__ == "__main__":
    raise SystemExit(main())
