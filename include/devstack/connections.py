"""Airflow connections for the local cloud servers, in the same shapes as for the real cloud
(only host/endpoint and keys differ), so the channels run unchanged against either."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Mapping
from pathlib import Path

from tablestore_channels.config import connection_ids


def airflow_connections(endpoints: dict) -> dict[str, dict]:
    """Connection id -> connection JSON (as ``AIRFLOW_CONN_<ID>`` and ``airflow connections
    import`` take it) for the servers in a localcloud endpoints file."""
    conns: dict[str, dict] = {}
    if ts := endpoints.get("tablestore"):
        # Every extra field of the form, so the UI's Edit form shows them all (it shows only the
        # keys the extra has), and the port, which the UI's Test button sends (as 0 when empty).
        conns[connection_ids.TABLESTORE] = {
            "conn_type": "tablestore", "host": ts["endpoint"], "port": urllib.parse.urlsplit(ts["endpoint"]).port,
            "login": ts["access_key_id"], "password": ts["access_key_secret"],
            "extra": {"instance_name": ts["instance"], "region": None, "sts_token": None},
        }
    if oss := endpoints.get("oss"):
        conns[connection_ids.OSS] = {
            "conn_type": "oss", "schema": oss["bucket"],
            "extra": {"access_key_id": oss["access_key_id"],
                      "access_key_secret": oss["access_key_secret"], "region": oss["region"],
                      "endpoint": oss["endpoint"]},
        }
    if mc := endpoints.get("maxcompute"):
        conns[connection_ids.MAXCOMPUTE] = {
            "conn_type": "maxcompute",
            "extra": {"access_key_id": mc["access_key_id"], "access_key_secret": mc["access_key_secret"],
                      "project": mc["project"], "endpoint": mc["endpoint"]},
        }
    return conns


def as_environment(endpoints: dict) -> dict[str, str]:
    """The connections as ``AIRFLOW_CONN_<ID>`` environment variables."""
    return {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn)
            for conn_id, conn in airflow_connections(endpoints).items()}


def import_into_airflow(endpoints: dict, env: Mapping[str, str] | None = None) -> list[str]:
    """Store the connections in Airflow's metadata DB (so they show under Admin > Connections),
    with the Airflow of this interpreter's venv and ``env`` (None: this process's). Returns the ids."""
    conns = airflow_connections(endpoints)
    # the venv's (not always on PATH), else the one on PATH (the official image's ~/.local/bin)
    beside = Path(sys.executable).with_name("airflow")
    airflow = str(beside) if beside.exists() else shutil.which("airflow") or "airflow"
    # A private file: the keys are the local servers' (not cloud secrets), still not world-readable.
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="connections-") as conn_file:
        json.dump(conns, conn_file)
        conn_file.flush()
        subprocess.run([airflow, "connections", "import", "--overwrite", conn_file.name],
                       check=True, stdout=subprocess.DEVNULL, env=None if env is None else dict(env))
    return sorted(conns)


def main(argv: list[str] | None = None) -> int:
    """``python -m devstack.connections ENDPOINTS_FILE``: import the connections of a localcloud
    endpoints file into the Airflow of the environment (docker-compose's connections init)."""
    parser = argparse.ArgumentParser(prog="python -m devstack.connections")
    parser.add_argument("endpoints_file", type=Path, help="the file `python -m localcloud serve` wrote")
    args = parser.parse_args(argv)
    if not args.endpoints_file.is_file():
        raise SystemExit(f"{args.endpoints_file} does not exist: start `python -m localcloud serve "
                         f"--endpoints-file {args.endpoints_file}` first.")
    ids = import_into_airflow(json.loads(args.endpoints_file.read_text()))
    print(f"Imported Airflow connections: {', '.join(ids)}")
    return 0


class DirectConnections:
    """The channels' clients for the local servers without Airflow (benchmarks, scripts); the
    same shapes as :class:`tablestore_channels.hooks.connections.AirflowConnections`."""

    def __init__(self, endpoints: dict) -> None:
        self.endpoints = endpoints

    def tablestore(self, config):
        from tablestore.retry import NoRetryPolicy

        from tablestore_channels.ots_client.settings import TablestoreConnectionSettings

        ts = self.endpoints["tablestore"]
        return TablestoreConnectionSettings(ts["endpoint"], ts["instance"], ts["access_key_id"],
                                            ts["access_key_secret"]).client(retry_policy=NoRetryPolicy())

    def oss_bucket(self, config):
        import oss2

        oss = self.endpoints["oss"]
        return oss2.Bucket(oss2.Auth(oss["access_key_id"], oss["access_key_secret"]), oss["endpoint"],
                           getattr(config, "bucket", None) or oss["bucket"])


if __name__ == "__main__":
    raise SystemExit(main())
