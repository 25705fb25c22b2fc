"""Replay writer parameters (``writer.plugin: otsreplay``, ours): multi-version change records
``[pk..., column, timestamp, value, op_type]`` applied to a Tablestore table.

The target's primary key, predefined columns and versions come from the source the reader
names (a :class:`~tablestore_channels.contract.SchemaReader`); ``createTableIfMissing`` creates
the table with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tablestore_channels.config import connection_ids
from tablestore_channels.config.ots_credentials import INLINE_CREDENTIAL_KEYS, refuse_inline_credentials
from tablestore_channels.config.parameters import JobKeys, Parameters
from tablestore_channels.datasets import Dataset, Namespaces, tablestore_table
from tablestore_channels.plugins.otswriter.config import batch_count


@dataclass(frozen=True)
class OTSReplayWriterConfig(JobKeys):
    """Validated parameters of the replay writer."""

    table: str
    create_table_if_missing: bool = False
    batch_write_count: int = 200
    max_retry_time: int = 18
    retry_pause_ms: int = 100
    datasource: str = connection_ids.TABLESTORE
    path: str = field(default="writer.parameter", compare=False)  # where the job holds it

    ALLOWED = ("datasource", "table", "createTableIfMissing", "batchWriteCount", "maxRetryTime",
               "retryPauseInMillisecond", *INLINE_CREDENTIAL_KEYS)

    def dataset(self, summary: dict, namespaces: Namespaces) -> Dataset:
        return tablestore_table(namespaces, self, self.table)

    @classmethod
    def from_parameter(cls, raw: Mapping[str, Any], path: str = "writer.parameter") -> OTSReplayWriterConfig:
        p = Parameters(raw, path, allowed=cls.ALLOWED)
        refuse_inline_credentials(p)
        return cls(
            path=path,
            table=p.string("table"), create_table_if_missing=p.boolean("createTableIfMissing", False),
            batch_write_count=batch_count(p, 200), max_retry_time=p.integer("maxRetryTime", 18, minimum=0),
            retry_pause_ms=p.integer("retryPauseInMillisecond", 100, minimum=1),
            datasource=p.string("datasource", connection_ids.TABLESTORE),
        )
