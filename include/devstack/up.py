"""``make up``: the local cloud servers plus ``airflow standalone`` with this project's DAGs,
plugins and connections, and what the DAGs need on the servers (see :mod:`devstack.targets`).

SIGTERM or Ctrl-C stops everything it started: Airflow (the API server, scheduler, DAG processor,
triggerer and the executor's workers, all below ``airflow standalone``) is stopped as a whole
process tree, then killed if it lingers, and the local servers after it. The data stays in ``.localcloud/`` (or
``$LOCALCLOUD_DATA_DIR``) and ``$AIRFLOW_HOME``.

The metadata DB is a private PostgreSQL server with its data in ``$AIRFLOW_HOME/postgres/``,
unless ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` names a database other than SQLite. On SQLite,
Airflow 3.3's API server deadlocks itself: a UI or REST action writes its audit-log row on the
server's event loop and waits for SQLite's one write lock, while a task's execution-API request
holding that lock needs the same loop to commit. Until SQLite's busy timeout ends it, every
request hangs, and then one fails with HTTP 500 ("database is locked").
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

from devstack import targets
from devstack.connections import import_into_airflow
from devstack.postgres import LocalPostgres
from devstack.processes import free_port, stop_trees, write_private
from localcloud.process import LocalCloudProcess

ROOT = Path(__file__).resolve().parents[2]
STOP_GRACE_SECONDS = 30
LOCAL_HOST = "127.0.0.1"
DB_SETTING = "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"


def _interrupt(*_) -> None:
    raise KeyboardInterrupt  # SIGTERM stops everything, like Ctrl-C


def _private_database(home: Path) -> LocalPostgres:
    """The stack's PostgreSQL: its password made on the first start and kept beside its data."""
    secret = home / "postgres-password"
    if not secret.exists():
        write_private(secret, secrets.token_urlsafe(16))
    return LocalPostgres(home / "postgres", free_port(), "airflow", secret.read_text().strip(), "airflow")


def _write_cli_env(path: Path, settings: dict[str, str]) -> None:
    """The settings an ``airflow`` command needs to reach this stack's metadata DB, for ``set -a; .
    FILE``."""
    path.unlink(missing_ok=True)
    write_private(path, "".join(f"{key}={value}\n" for key, value in settings.items()))


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    airflow = str(Path(sys.executable).with_name("airflow"))
    home = Path(os.environ["AIRFLOW_HOME"])
    cloud = LocalCloudProcess(Path(os.environ.get("LOCALCLOUD_DATA_DIR") or ROOT / ".localcloud"))
    database: subprocess.Popen | None = None
    standalone: subprocess.Popen | None = None
    try:
        env = dict(os.environ)
        if env.get(DB_SETTING, "sqlite").startswith("sqlite"):
            server = _private_database(home)
            database = server.start(home / "postgres.log")
            env[DB_SETTING] = server.url
            _write_cli_env(home / "up.env", {"AIRFLOW_HOME": str(home), DB_SETTING: server.url})
        with open(home / "db-migrate.log", "ab") as out:  # the connections go into it next
            subprocess.run([airflow, "db", "migrate"], env=env, check=True, stdout=out, stderr=subprocess.STDOUT)
        endpoints = cloud.start(timeout=300)
        for line in targets.prepare(endpoints):
            print(f"Created {line}", flush=True)
        # In the metadata DB (not only in the environment) so they show under Admin > Connections.
        import_into_airflow(endpoints, env)
        port = os.environ.get("AIRFLOW__API__PORT", "8080")
        # A local-only login made by `make airflow-home` (not a cloud secret), shown so the user can log in.
        passwords = json.loads(Path(os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).read_text())
        user, password = next(iter(passwords.items()))
        # Loopback unless the user opens it (AIRFLOW__API__HOST=0.0.0.0): the login is admin/admin
        # and the connection Test button makes the server call out with the connections' secrets.
        env = {"AIRFLOW__API__HOST": LOCAL_HOST, **env}
        standalone = subprocess.Popen([airflow, "standalone"], start_new_session=True, env=env)
        host = env["AIRFLOW__API__HOST"]
        shown = "localhost" if host == LOCAL_HOST else host
        print(f"\nLocal cloud servers: {json.dumps({k: v['endpoint'] for k, v in endpoints.items()})}\n"
              f"Airflow UI: http://{shown}:{port}  (login: {user} / {password}; listening on {host})\n"
              + (f"Airflow CLI against this stack: set -a; . {home / 'up.env'}; set +a\n" if database else "")
              + "Ctrl-C (or SIGTERM) stops Airflow and the local servers.\n", flush=True)
        return standalone.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if standalone is not None:
            stop_trees([standalone.pid], STOP_GRACE_SECONDS, signal_children=True)
            standalone.wait()
        cloud.stop()
        if database is not None:
            LocalPostgres.stop(database)


if __name__ == "__main__":
    raise SystemExit(main())
