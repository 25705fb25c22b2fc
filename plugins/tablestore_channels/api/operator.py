"""A whole channel in one task, for small tables (as ``DynamoDBToS3Operator`` is)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from airflow.sdk import Context

from tablestore_channels import jobrun
from tablestore_channels.api.arguments import caller, located
from tablestore_channels.api.channel import Reader, Writer, check_combination, job_of
from tablestore_channels.api.setting import Setting
from tablestore_channels.errors import ConfigError
from tablestore_channels.operators.channel import ChannelOperator, run_info

log = logging.getLogger(__name__)


class TablestoreTransferOperator(ChannelOperator):
    """Plans, moves every split one after the other, and commits, in one task; when any step
    fails, removes what the run wrote (nothing partial stays visible) and fails. The output and
    its guarantees are those of :class:`~tablestore_channels.api.channel.TablestoreChannel`,
    without its parallel splits: use that one for large tables.

    :param reader: an :class:`OTSReader`, an :class:`OSSReader`, or an :class:`OTSStreamReader`
        with its window.
    :param writer: an :class:`OSSWriter`, :class:`ODPSWriter` or :class:`OTSWriter`.
    :param setting: throttle and error limit (:class:`Setting`); ``concurrent`` cuts the work into
        that many splits, moved in turn.
    Returns the commit's summary (rows, bytes, objects, where the output is).
    """

    def __init__(self, *, reader: Reader, writer: Writer, setting: Setting | None = None, **kwargs: Any) -> None:
        try:
            check_combination(reader, writer, stream=False)
        except ConfigError as error:
            raise located(error, caller()) from None
        super().__init__(job=job_of(reader, writer, setting), **kwargs)

    def execute(self, context: Context) -> Mapping[str, Any]:
        run = run_info(context)
        try:
            splits = self._run(jobrun.plan, run)
            results = [self._run(jobrun.run_split, run, split) for split in splits]
            summary = self._run(jobrun.commit, run, results, splits[0]["writer"])
        except BaseException:
            log.warning("The run failed: removing what it wrote")
            self._run(jobrun.discard, run)
            raise
        log.info("Committed: %s", summary)
        return summary
