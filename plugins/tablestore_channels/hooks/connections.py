"""The channels' clients, built from Airflow connections (``datasource`` = connection id)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import oss2
import tablestore
from tablestore.retry import NoRetryPolicy

from tablestore_channels.hooks.oss import OSSBucketHook
from tablestore_channels.hooks.tablestore import TablestoreHook

if TYPE_CHECKING:
    from odps import ODPS


class AirflowConnections:
    """Implements :class:`tablestore_channels.jobrun.Connections` with hooks."""

    def tablestore(self, reader_config) -> tablestore.OTSClient:
        settings = TablestoreHook(tablestore_conn_id=reader_config.datasource).settings
        # the channel's Retry is the one retry loop (see tablestore_channels.retrying)
        return settings.client(retry_policy=NoRetryPolicy())

    def oss_bucket(self, writer_config) -> oss2.Bucket:
        return OSSBucketHook(oss_conn_id=writer_config.datasource).get_oss2_bucket(writer_config.bucket)

    def maxcompute(self, writer_config) -> ODPS:
        """A pyodps client of the ``maxcompute`` connection's project."""
        # imported here: pyodps takes seconds to import and most tasks never need it
        from tablestore_channels.hooks.maxcompute import MaxComputeClientHook

        return MaxComputeClientHook(maxcompute_conn_id=writer_config.datasource).client()
