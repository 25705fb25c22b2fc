"""Airflow hook for Tablestore: turns a ``tablestore`` connection into an SDK client."""

from __future__ import annotations

from functools import cached_property

from airflow.providers.common.compat.sdk import AirflowException, BaseHook

from tablestore_channels.tablestore.client import TablestoreClient
from tablestore_channels.tablestore.settings import TablestoreConnectionSettings


class TablestoreHook(BaseHook):
    """Interact with Alibaba Cloud Tablestore.

    Connection fields: ``host`` = endpoint URL, ``login`` = AccessKey ID, ``password`` = AccessKey
    secret, ``extra.instance_name`` (required), optional ``extra.sts_token`` and ``extra.region``
    (a region switches the SDK to V4 signing).

    :param tablestore_conn_id: the Airflow connection to use.
    """

    conn_name_attr = "tablestore_conn_id"
    default_conn_name = "tablestore_default"
    conn_type = "tablestore"
    hook_name = "Alibaba Cloud Tablestore"

    def __init__(self, tablestore_conn_id: str = default_conn_name, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tablestore_conn_id = tablestore_conn_id

    def _extra(self, extra: dict, name: str) -> str | None:
        # Forms may store a field with or without the provider prefix.
        return extra.get(name) or extra.get(f"extra__tablestore__{name}") or None

    @cached_property
    def settings(self) -> TablestoreConnectionSettings:
        conn = self.get_connection(self.tablestore_conn_id)
        extra = conn.extra_dejson
        endpoint = (conn.host or "").strip()
        if endpoint and "://" not in endpoint:
            endpoint = f"https://{endpoint}"
        if conn.port and endpoint.count(":") == 1:
            endpoint = f"{endpoint}:{conn.port}"
        instance = self._extra(extra, "instance_name")
        missing = [name for name, value in (
            ("host (the endpoint URL)", endpoint), ("login (AccessKey ID)", conn.login),
            ("password (AccessKey secret)", conn.password), ("extra.instance_name", instance),
        ) if not value]
        if missing:
            raise AirflowException(
                f"Tablestore connection {self.tablestore_conn_id!r} lacks {', '.join(missing)}: "
                "set them on the connection (Admin > Connections, or AIRFLOW_CONN_"
                f"{self.tablestore_conn_id.upper()})."
            )
        return TablestoreConnectionSettings(
            endpoint=endpoint, instance_name=instance, access_key_id=conn.login,
            access_key_secret=conn.password, sts_token=self._extra(extra, "sts_token"),
            region=self._extra(extra, "region"),
        )

    def get_conn(self) -> TablestoreClient:
        """A new SDK client for this connection."""
        return self.settings.client()

    def test_connection(self) -> tuple[bool, str]:
        try:
            tables = self.get_conn().list_table()
        except Exception as exc:  # the UI shows the message; never the secret
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"Connected; {len(tables)} table(s) visible."
