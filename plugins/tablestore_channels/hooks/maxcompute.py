"""MaxCompute for the channels: the Alibaba provider's ``maxcompute`` connection, checked before
a pyodps client is built (the provider's hook raises generic errors, or none: pyodps would take a
wrong endpoint and fail later, retried). Imports pyodps: import it only where it is needed."""

from __future__ import annotations

from airflow.providers.alibaba.cloud.hooks.maxcompute import MaxComputeHook
from odps import ODPS

from tablestore_channels.hooks.checks import CheckedConnection, connection_error, endpoint_url

_FIELDS = ("access_key_id", "access_key_secret", "project", "endpoint")
_ENDPOINT = "https://service.<region>.maxcompute.aliyun.com/api"


class MaxComputeClientHook(CheckedConnection, MaxComputeHook):
    """:class:`MaxComputeHook` whose :meth:`client` checks the connection's extra first:
    ``access_key_id``, ``access_key_secret``, ``project`` and ``endpoint`` (a URL)."""

    def client(self) -> ODPS:
        conn_id = self.maxcompute_conn_id
        missing = [name for name in _FIELDS if not self._get_field(name)]
        if missing:
            raise connection_error(conn_id, f"lacks extra {', '.join(missing)}.",
                                   f"set them in the connection's extra (the endpoint as {_ENDPOINT})")
        endpoint = endpoint_url(conn_id, "extra endpoint", self.endpoint, _ENDPOINT)
        return self.get_client(project=self.project, endpoint=endpoint)
