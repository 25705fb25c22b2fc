"""TablestoreHook: an Airflow connection (AIRFLOW_CONN_<ID> JSON) -> a working TablestoreClient."""

from __future__ import annotations

import json

import pytest
from tablestore.auth import SignV2, SignV4

from tablestore_channels.errors import ConfigError
from tablestore_channels.hooks.tablestore import TablestoreHook
from tablestore_channels.ots_client.client import TablestoreClient


@pytest.fixture(scope="module")
def server(local_servers):
    return local_servers("tablestore").endpoints["tablestore"]


def set_connection(monkeypatch, conn_id: str, server: dict, **extra) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({
        "conn_type": "tablestore", "host": server["endpoint"], "login": server["access_key_id"],
        "password": server["access_key_secret"], "extra": extra,
    }))


def test_builds_a_working_client(monkeypatch, server):
    set_connection(monkeypatch, "ts_local", server, instance_name=server["instance"])
    hook = TablestoreHook("ts_local")
    client = hook.get_conn()
    assert server["access_key_secret"] not in repr(hook.settings)
    assert isinstance(client, TablestoreClient) and isinstance(client._signer, SignV2)
    assert isinstance(client.list_table(), tuple)
    assert client.list_stream() == []


def test_region_switches_to_v4_signing(monkeypatch, server):
    set_connection(monkeypatch, "ts_v4", server, instance_name=server["instance"],
                   region=server["region"])
    hook = TablestoreHook("ts_v4")
    client = hook.get_conn()
    assert isinstance(client._signer, SignV4)
    assert isinstance(client.list_table(), tuple)
    assert hook.test_connection()[0] is True


def test_missing_instance_name_is_named_without_the_secret(monkeypatch, server):
    set_connection(monkeypatch, "ts_bad", server)
    with pytest.raises(ConfigError, match="extra instance_name") as caught:
        TablestoreHook("ts_bad").get_conn()
    assert server["access_key_secret"] not in str(caught.value)
    assert "ts_bad" in str(caught.value)
