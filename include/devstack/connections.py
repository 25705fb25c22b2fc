"""Airflow connections for the local cloud servers, in the same shapes as for the real cloud
(only host/endpoint and keys differ), so the channels run unchanged against either."""

from __future__ import annotations

import json
import urllib.parse

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
