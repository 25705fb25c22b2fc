"""Provider metadata, the ``apache_airflow_provider`` entry point of pyproject.toml: what the package
provides, in the keys of Airflow's provider schema (``airflow/provider_info.schema.json``;
tests/test_provider_info.py validates against it and imports every module and class listed).

Airflow registers from it the ``tablestore`` connection type, with its form declared as data
(``conn-fields`` / ``ui-field-behaviour``; the form widget methods are deprecated since 3.2), and the
normalizers of the asset URI schemes the channels emit (:mod:`tablestore_channels.assets`). The
other keys describe the package (the providers list, docs tools). Modules are named, not imported:
reading this imports nothing of the package but its version."""

from __future__ import annotations

from tablestore_channels import __version__

TABLESTORE, OSS, MAXCOMPUTE = "Alibaba Cloud Tablestore", "Alibaba Cloud OSS", "Alibaba Cloud MaxCompute"


def get_provider_info() -> dict:
    return {
        "package-name": "airflow-provider-tablestore-channels",
        "name": "Tablestore data channels",
        "description": "Tablestore (OTS) full export and Stream sync to OSS, export to MaxCompute, restore.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": TABLESTORE,
                "external-doc-url": "https://www.alibabacloud.com/help/en/tablestore",
                "tags": ["alibaba"],
            }
        ],
        "hooks": [
            {"integration-name": TABLESTORE, "python-modules": ["tablestore_channels.hooks.tablestore"]},
            # the Alibaba provider's integrations, its hooks extended for the channels
            {"integration-name": OSS, "python-modules": ["tablestore_channels.hooks.oss"]},
            {"integration-name": MAXCOMPUTE, "python-modules": ["tablestore_channels.hooks.maxcompute"]},
        ],
        "operators": [
            {
                "integration-name": TABLESTORE,
                "python-modules": [
                    # the typed API: the TablestoreChannel / TablestoreStreamChannel task groups and
                    # TablestoreTransferOperator
                    "tablestore_channels.api.channel",
                    "tablestore_channels.api.operator",
                    # the tasks of a channel (plan, transfer, commit, cleanup) and the retention guard
                    "tablestore_channels.operators.channel",
                    "tablestore_channels.operators.retention_guard",
                ],
            }
        ],
        "sensors": [
            {"integration-name": TABLESTORE, "python-modules": ["tablestore_channels.operators.window_settled"]}
        ],
        # a whole channel in one task; the task groups of api.channel run the same channels
        "transfers": [
            {"source-integration-name": source, "target-integration-name": target,
             "python-module": "tablestore_channels.api.operator"}
            for source, target in ((TABLESTORE, OSS), (TABLESTORE, MAXCOMPUTE), (OSS, TABLESTORE))
        ],
        "notifications": ["tablestore_channels.notifications.failure_alert.FailureAlertNotifier"],
        "asset-uris": [
            {
                "schemes": [scheme],
                "handler": f"tablestore_channels.assets.sanitize_{scheme}_uri",
                "to_openlineage_converter": "tablestore_channels.assets.convert_asset_to_openlineage",
            }
            for scheme in ("tablestore", "oss", "maxcompute")
        ],
        "connection-types": [
            {
                "connection-type": "tablestore",
                "hook-class-name": "tablestore_channels.hooks.tablestore.TablestoreHook",
                "hook-name": TABLESTORE,
                "conn-fields": {
                    "instance_name": {
                        "label": "Instance name",
                        "description": "Tablestore instance the endpoint belongs to (required).",
                        "schema": {"type": ["string", "null"]},
                    },
                    "region": {
                        "label": "Region (V4 signing)",
                        "description": "e.g. cn-hangzhou. When set, requests are signed with V4.",
                        "schema": {"type": ["string", "null"]},
                    },
                    "sts_token": {
                        "label": "STS token",
                        "description": "Security token of temporary (STS) credentials.",
                        "schema": {"type": ["string", "null"], "format": "password"},
                    },
                },
                "ui-field-behaviour": {
                    # the port is optional (the endpoint URL may carry it); the UI's Test button needs it
                    "hidden-fields": ["schema"],
                    "relabeling": {
                        "host": "Endpoint",
                        "login": "AccessKey ID",
                        "password": "AccessKey secret",
                    },
                    "placeholders": {
                        "host": "https://<instance>.<region>.ots.aliyuncs.com",
                        "port": "443",
                        "login": "LTAI...",
                        "instance_name": "my-instance",
                        "region": "cn-hangzhou",
                    },
                },
            }
        ],
    }
