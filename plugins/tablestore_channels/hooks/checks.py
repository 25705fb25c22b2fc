"""What the channels' hooks share: a connection that is missing, lacks a field or has a field
that cannot work is a :class:`ConfigError` naming the connection id, the field and the fix, which
the operators fail at once (Airflow's retries cannot cure it)."""

from __future__ import annotations

import urllib.parse
from typing import Any

from airflow.sdk.exceptions import AirflowNotFoundException

from tablestore_channels.errors import ConfigError


def where_to_set(conn_id: str) -> str:
    return f"Admin > Connections > {conn_id}, or AIRFLOW_CONN_{conn_id.upper()}"


def connection_error(conn_id: str, problem: str, fix: str) -> ConfigError:
    """``connection '<id>': <problem> Fix: <fix> (<where to set it>).``"""
    return ConfigError(f"connection {conn_id!r}", problem, f"{fix} ({where_to_set(conn_id)}).")


class CheckedConnection:
    """Mixin for a hook (before its BaseHook base): a connection id that is not defined is a
    ConfigError, not Airflow's AirflowNotFoundException (which the task would retry)."""

    @classmethod
    def get_connection(cls, conn_id: str) -> Any:
        try:
            return super().get_connection(conn_id)  # type: ignore[misc]
        except AirflowNotFoundException:
            raise connection_error(conn_id, "is not defined.",
                                   "create it, or name an existing connection in the job's 'datasource'") from None


def endpoint_url(conn_id: str, field: str, value: str, example: str) -> str:
    """``value`` if it is an http(s) URL with a host (and a numeric port, if any); else a
    ConfigError naming ``field`` and showing ``example``."""
    try:
        parsed = urllib.parse.urlsplit(value)
        usable = parsed.scheme in ("http", "https") and bool(parsed.hostname) and not any(c.isspace() for c in value)
        parsed.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        usable = False
    if not usable:
        raise connection_error(conn_id, f"{field} {value!r} is not an endpoint URL.", f"write it as {example}")
    return value
