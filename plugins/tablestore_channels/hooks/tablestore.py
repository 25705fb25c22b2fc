"""Airflow hook for Tablestore: turns a ``tablestore`` connection into an SDK client."""

from __future__ import annotations

from functools import cached_property

from airflow.providers.common.compat.sdk import BaseHook

from tablestore_channels.config import connection_ids
from tablestore_channels.hooks.checks import CheckedConnection, connection_error, endpoint_url
from tablestore_channels.ots_client.client import TablestoreClient
from tablestore_channels.ots_client.settings import TablestoreConnectionSettings


class TablestoreHook(CheckedConnection, BaseHook):
    """Interact with Alibaba Cloud Tablestore.

    Connection fields: ``host`` = endpoint URL, ``login`` = AccessKey ID, ``password`` = AccessKey
    secret, ``extra.instance_name`` (required), optional ``extra.sts_token`` and ``extra.region``
    (a region switches the SDK to V4 signing).

    :param tablestore_conn_id: the Airflow connection to use.
    """

    conn_name_attr = "tablestore_conn_id"
    default_conn_name = connection_ids.TABLESTORE
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
        login, password = conn.login, conn.password
        if not (endpoint and login and password and instance):
            missing = [name for name, value in (
                ("host (the endpoint URL)", endpoint), ("login (AccessKey ID)", login),
                ("password (AccessKey secret)", password), ("extra instance_name", instance),
            ) if not value]
            raise connection_error(self.tablestore_conn_id, f"lacks {', '.join(missing)}.", "set it on the connection")
        endpoint_url(self.tablestore_conn_id, "host", endpoint, "https://<instance>.<region>.ots.aliyuncs.com")
        return TablestoreConnectionSettings(
            endpoint=endpoint, instance_name=instance, access_key_id=login, access_key_secret=password,
            sts_token=self._extra(extra, "sts_token"), region=self._extra(extra, "region"),
        )

    @property
    def instance_name(self) -> str:
        """The connection's instance (templates call it as the macro ``tablestore_instance``)."""
        return self.settings.instance_name

    def get_conn(self) -> TablestoreClient:
        """A new SDK client for this connection."""
        return self.settings.client()

    def test_connection(self) -> tuple[bool, str]:
        try:
            tables = self.get_conn().list_table()
        except Exception as exc:  # the UI shows the message; never the secret
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"Connected; {len(tables)} table(s) visible."
