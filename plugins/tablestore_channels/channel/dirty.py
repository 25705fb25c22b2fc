"""Dirty records: counted against ``errorLimit``, the first ones logged, all of them kept."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from tablestore_channels.config.setting import ErrorLimit
from tablestore_channels.errors import ErrorLimitExceeded

log = logging.getLogger(__name__)
LOGGED_DIRTY_RECORDS = 10


def json_safe(value: Any) -> Any:
    """A JSON form of a record value that keeps binaries and floats recognisable."""
    if isinstance(value, (bytes, bytearray)):
        return {"base64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return {"double": repr(value)}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class DirtyRecords:
    """Collects the dirty records of one split.

    :param limit: the job's error limit. With ``record`` set, the split fails as soon as its own
        count passes it (the job's total can only be larger); ``percentage`` is checked by the
        commit step over all splits.
    :param sink: receives each dirty record as one JSON line (bytes), e.g. a dirty-records object.
    """

    def __init__(self, limit: ErrorLimit, sink: Callable[[bytes], None], column_names: Sequence[str],
                 split: int) -> None:
        self.limit = limit
        self.sink = sink
        self.column_names = list(column_names)
        self.split = split
        self.count = 0

    def add(self, record: Sequence[Any], reason: str, column: int | None = None) -> None:
        self.count += 1
        column_name = self.column_names[column] if column is not None and column < len(self.column_names) else None
        if self.count <= LOGGED_DIRTY_RECORDS:
            log.warning("Dirty record #%d of split %d%s: %s", self.count, self.split,
                        f" (column {column_name!r})" if column_name else "", reason)
        entry = {"split": self.split, "reason": reason, "column": column_name,
                 "record": [json_safe(v) for v in record]}
        self.sink((json.dumps(entry, ensure_ascii=False) + "\n").encode())
        if self.limit.record is not None and self.count > self.limit.record:
            raise ErrorLimitExceeded(
                f"split {self.split} has {self.count} dirty records, more than {self.limit.describe()} allows "
                f"(last: {reason}). Nothing was committed; the previous output is untouched. Fix the data, "
                "the column types or formats, or raise setting.errorLimit.")
