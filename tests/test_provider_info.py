"""The installed distribution registers itself with Airflow: its provider info validates against
Airflow's own schema, every module and class it lists imports, the `tablestore` connection type has
its form, and the asset URI schemes of the channels have their normalizers."""

from __future__ import annotations

import importlib
import json
from importlib.resources import files

import jsonschema
import pytest
from airflow.providers_manager import ProvidersManager
from airflow.sdk import Asset
from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

from tablestore_channels import assets
from tablestore_channels.provider_info import get_provider_info

INFO = get_provider_info()


def _import(dotted: str, *, module: bool) -> object:
    if module:
        return importlib.import_module(dotted)
    module_name, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), name)


def _listed() -> list[tuple[str, bool]]:
    """Every (dotted name, is a module) the provider info lists."""
    names = [(m, True) for key in ("hooks", "operators", "sensors") for entry in INFO.get(key, ())
             for m in entry["python-modules"]]
    names += [(entry["python-module"], True) for entry in INFO.get("transfers", ())]
    names += [(cls, False) for cls in INFO.get("notifications", ())]
    names += [(entry["hook-class-name"], False) for entry in INFO["connection-types"]]
    names += [(entry[key], False) for entry in INFO["asset-uris"]
              for key in ("handler", "factory", "to_openlineage_converter") if entry.get(key)]
    return list(dict.fromkeys(names))


def test_provider_info_validates_against_airflows_schema():
    schema = json.loads(files("airflow").joinpath("provider_info.schema.json").read_text())
    jsonschema.validate(INFO, schema)
    assert INFO["package-name"] == "airflow-provider-tablestore-channels"


@pytest.mark.parametrize(("dotted", "module"), _listed(), ids=str)
def test_every_listed_module_and_class_imports(dotted, module):
    assert _import(dotted, module=module) is not None


def test_it_lists_the_hooks_operators_and_notifier_of_the_package():
    modules = {m for key in ("hooks", "operators", "sensors") for entry in INFO[key] for m in entry["python-modules"]}
    assert {"tablestore_channels.hooks.tablestore", "tablestore_channels.hooks.oss",
            "tablestore_channels.hooks.maxcompute", "tablestore_channels.api.channel", "tablestore_channels.api.operator",
            "tablestore_channels.operators.channel", "tablestore_channels.operators.retention_guard",
            "tablestore_channels.operators.window_settled"} <= modules
    assert "tablestore_channels.notifications.failure_alert.FailureAlertNotifier" in INFO["notifications"]
    integrations = {entry["integration-name"] for entry in INFO["integrations"]}
    alibaba = {entry["integration-name"] for entry in ProvidersManager().providers[
        "apache-airflow-providers-alibaba"].data["integrations"]}
    for key in ("hooks", "operators", "sensors"):  # each names an integration of this package or the Alibaba provider's
        assert {entry["integration-name"] for entry in INFO[key]} <= integrations | alibaba, key


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


def test_airflow_normalizes_the_channels_asset_uris_with_their_handlers():
    handlers = ProvidersManagerTaskRuntime().asset_uri_handlers
    assert handlers["tablestore"] is assets.sanitize_tablestore_uri
    assert handlers["oss"] is assets.sanitize_oss_uri
    assert handlers["maxcompute"] is assets.sanitize_maxcompute_uri
    assert Asset("tablestore://MyInst/Readings/").uri == "tablestore://myinst/Readings"
    assert Asset("maxcompute://Proj/Readings_Changes").uri == "maxcompute://proj/readings_changes"
    assert Asset("oss://Backups/tablestore/Readings/").uri == "oss://backups/tablestore/Readings"
    with pytest.raises(ValueError, match="must name one table"):
        Asset("tablestore://myinst")
