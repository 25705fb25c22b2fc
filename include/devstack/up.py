"""``make up``: the local cloud servers plus ``airflow standalone`` with this project's DAGs,
plugins and connections. Ctrl-C stops both; the data stays in ``.localcloud/`` and ``.airflow/``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from devstack.connections import import_into_airflow
from localcloud.process import LocalCloudProcess

ROOT = Path(__file__).resolve().parents[2]


def _interrupt(*_) -> None:
    raise KeyboardInterrupt  # SIGTERM stops both, like Ctrl-C


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    airflow = str(Path(sys.executable).with_name("airflow"))
    cloud = LocalCloudProcess(ROOT / ".localcloud")
    endpoints = cloud.start()
    try:
        # In the metadata DB (not only in the environment) so they show under Admin > Connections.
        import_into_airflow(endpoints)
        port = os.environ.get("AIRFLOW__API__PORT", "8080")
        # A local-only login made by `make airflow-db` (not a cloud secret), shown so the user can log in.
        passwords = json.loads(Path(os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).read_text())
        user, password = next(iter(passwords.items()))
        print(f"\nLocal cloud servers: {json.dumps({k: v['endpoint'] for k, v in endpoints.items()})}\n"
              f"Airflow UI: http://localhost:{port}  (login: {user} / {password})\n"
              "Ctrl-C stops Airflow and the local servers.\n", flush=True)
        with subprocess.Popen([airflow, "standalone"]) as standalone:
            try:
                return standalone.wait()
            except KeyboardInterrupt:
                standalone.terminate()
                return standalone.wait()
    finally:
        cloud.stop()


if __name__ == "__main__":
    raise SystemExit(main())
