"""Provider metadata: Airflow registers the ``tablestore`` connection type from this entry point
(``apache_airflow_provider`` in pyproject.toml). Connection forms are declared as data
(``conn-fields`` / ``ui-field-behaviour``), the form widget methods being deprecated since 3.2."""

from __future__ import annotations

from tablestore_channels import __version__


def get_provider_info() -> dict:
    return {
        "package-name": "airflow-provider-tablestore-channels",
        "name": "Tablestore data channels",
        "description": "Tablestore (OTS) full export and Stream sync to OSS, export to MaxCompute, restore.",
        "versions": [__version__],
        "hooks": [
            {
                "integration-name": "Alibaba Cloud Tablestore",
                "python-modules": ["tablestore_channels.hooks.tablestore"],
            }
        ],
        "connection-types": [
            {
                "connection-type": "tablestore",
                "hook-class-name": "tablestore_channels.hooks.tablestore.TablestoreHook",
                "hook-name": "Alibaba Cloud Tablestore",
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
