"""Which runs appended to which MaxCompute target, so that a rerun never appends twice.

``truncate=false`` appends: MaxCompute rows carry no identity, so a second commit of the same
run would duplicate its rows. The log is a small table in the same project::

    tablestore_channel_commits (run_key, target, upload_id, state, recorded_at)
        PARTITIONED BY (ds)   -- the run's date; LIFECYCLE 30 days

The plan records ``open`` with the run's upload session before any block is sent; the commit
records ``committed`` after the tunnel commit. A run counts as committed when it has a
``committed`` row, or an ``open`` row whose session reports CLOSED (the commit went through
but its row was never written). Tunnel sessions expire after 24 hours, so only the first rule
holds beyond that; the commit task writes its row on every retry, so the gap needs a commit
task that failed for good right after the tunnel commit. ``truncate=true`` needs no log: its
upload session overwrites, so a rerun replaces what the run wrote.
"""

from __future__ import annotations

import datetime as dt
import logging

from odps import ODPS, errors
from odps.models import Column, Partition, TableSchema
from odps.tunnel import TableTunnel
from odps.tunnel.tabletunnel import TableUploadSession

log = logging.getLogger(__name__)

TABLE = "tablestore_channel_commits"
LIFECYCLE_DAYS = 30
OPEN, COMMITTED = "open", "committed"
_SCHEMA = TableSchema(
    columns=[Column(name="run_key", type="string"), Column(name="target", type="string"),
             Column(name="upload_id", type="string"), Column(name="state", type="string"),
             Column(name="recorded_at", type="datetime")],
    partitions=[Partition(name="ds", type="string")])


def _partition(run_key: str) -> str:
    # run keys start with the run's date (see operators.channel.run_info)
    day = run_key[:8]
    return f"ds={day if day.isdigit() else 'undated'}"


class CommitLog:
    """The log in ``odps``'s project; ``target`` names a table and partition (``t/pt=1``)."""

    def __init__(self, odps: ODPS, tunnel: TableTunnel) -> None:
        self.odps = odps
        self.tunnel = tunnel

    def committed_upload(self, run_key: str, target: str, table: str, partition: str | None) -> str | None:
        """The upload id this run committed to ``target`` with, or None if it never did."""
        if not self.odps.exist_table(TABLE):
            return None
        log_table = self.odps.get_table(TABLE)
        spec = _partition(run_key)
        if not log_table.exist_partition(spec):
            return None
        with log_table.open_reader(partition=spec) as reader:
            rows = [r for r in reader if r["run_key"] == run_key and r["target"] == target]
        for row in rows:
            if row["state"] == COMMITTED or self._closed(table, partition, row["upload_id"]):
                return row["upload_id"]
        return None

    def _closed(self, table: str, partition: str | None, upload_id: str) -> bool:
        try:
            session = self.tunnel.create_upload_session(table, partition_spec=partition, upload_id=upload_id)
        except errors.ODPSError as error:  # expired or gone: its commit, if any, wrote a row
            log.info("upload session %s of an earlier attempt cannot be checked (%s)", upload_id, error)
            return False
        return session.status == TableUploadSession.Status.Closed

    def record(self, run_key: str, target: str, upload_id: str, state: str) -> None:
        if not self.odps.exist_table(TABLE):
            self.odps.create_table(TABLE, _SCHEMA, if_not_exists=True, lifecycle=LIFECYCLE_DAYS)
        row = [run_key, target, upload_id, state, dt.datetime.now(dt.UTC)]
        with self.odps.get_table(TABLE).open_writer(partition=_partition(run_key), create_partition=True) as writer:
            writer.write([row])
