"""The installed distribution registers the `tablestore` connection type with Airflow."""

from __future__ import annotations

from airflow.providers_manager import ProvidersManager
from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime


def test_tablestore_connection_type_is_registered_with_its_form():
    manager = ProvidersManager()
    assert "airflow-provider-tablestore-channels" in manager.providers
    hook = ProvidersManagerTaskRuntime().hooks["tablestore"]
    assert hook.hook_class_name == "tablestore_channels.hooks.tablestore.TablestoreHook"
    widgets = manager.connection_form_widgets
    for field in ("instance_name", "region", "sts_token"):
        assert f"extra__tablestore__{field}" in widgets, field
    assert widgets["extra__tablestore__sts_token"].is_sensitive
    behaviour = manager.field_behaviours["tablestore"]
    assert behaviour["relabeling"] == {
        "host": "Endpoint", "login": "AccessKey ID", "password": "AccessKey secret",
    }
    assert set(behaviour["hidden_fields"]) == {"schema"}  # the port stays: the UI's Test button sends it


def test_alibaba_provider_types_are_reused_not_redefined():
    manager = ProvidersManagerTaskRuntime()
    assert manager.hooks["oss"].package_name == "apache-airflow-providers-alibaba"
    assert manager.hooks["maxcompute"].package_name == "apache-airflow-providers-alibaba"
