"""The target table of a Tablestore writer: described, checked against the primary key the
records need, or created when missing and allowed; what OTSWriter and the replay writer share."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import tablestore
from tablestore import OTSServiceError

from tablestore_channels.config.parameters import JobKeys
from tablestore_channels.errors import PreconditionError
from tablestore_channels.retrying import Retry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TargetTable:
    """What the writer wants of ``name``. ``keys``: the writer's parameters, whose keys errors
    name; ``key_from``: the key ``primary_key`` comes from, ``expected_from`` says so in words
    (default: the key), ``fix`` how to mend a different key."""

    name: str
    primary_key: Sequence[tuple[str, str]]
    defined_columns: Sequence[tuple[str, str]] = ()
    options: tablestore.TableOptions | None = None
    keys: JobKeys = field(kw_only=True)
    key_from: str = field(default="primaryKey", kw_only=True)
    expected_from: str | None = field(default=None, kw_only=True)
    fix: str = field(default="list the table's primary key in order", kw_only=True)

    def ensure(self, client: tablestore.OTSClient, retry: Retry, create_if_missing: bool) -> tablestore.TableOptions | None:
        """Check the table (its options returned) or create it (None returned); PreconditionError
        for a missing table that may not be created or a primary key that differs."""
        try:
            described = retry.call("DescribeTable", client.describe_table, self.name)
        except OTSServiceError as error:
            if error.code != "OTSObjectNotExist":
                raise
            if not create_if_missing:
                raise PreconditionError(
                    f"Tablestore table {self.name!r} does not exist in this instance. Fix: create it, or "
                    "set createTableIfMissing to true.", key=self.keys.key("table")) from error
            return self._create(client, retry)
        self.check_primary_key([(name, kind) for name, kind, *_ in described.table_meta.schema_of_primary_key])
        return described.table_options

    def _create(self, client: tablestore.OTSClient, retry: Retry) -> tablestore.TableOptions | None:
        meta = tablestore.TableMeta(self.name, list(self.primary_key), defined_columns=list(self.defined_columns))
        try:
            retry.call(f"CreateTable {self.name}", client.create_table, meta,
                       self.options or tablestore.TableOptions(time_to_live=-1, max_version=1),
                       tablestore.ReservedThroughput(tablestore.CapacityUnit(0, 0)))
        except OTSServiceError as error:
            if error.code != "OTSObjectAlreadyExist":  # created meanwhile: check it as any other
                raise
            described = retry.call("DescribeTable", client.describe_table, self.name)
            self.check_primary_key([(name, kind) for name, kind, *_ in described.table_meta.schema_of_primary_key])
            return described.table_options
        log.info("Created table %s with primary key %s", self.name,
                 ", ".join(f"{name} {kind}" for name, kind in self.primary_key))
        return None

    def check_primary_key(self, actual: list[tuple[str, str]]) -> None:
        expected = [tuple(c) for c in self.primary_key]
        if actual == expected:
            return
        table, source = self.name, self.expected_from or self.keys.key(self.key_from)
        for i in range(max(len(actual), len(expected))):
            have = actual[i] if i < len(actual) else None
            want = expected[i] if i < len(expected) else None
            if have == want:
                continue
            if have is not None and want is None:
                problem = f"table {table!r} has primary-key column {have[0]!r} ({have[1]}) at position {i + 1}, " \
                          f"which {source} does not list"
            elif want is not None and have is None:
                problem = f"{source} lists {want[0]!r} at position {i + 1}, but table {table!r} " \
                          f"has only {len(actual)} primary-key column(s)"
            elif have is not None and want is not None:
                problem = f"primary-key column {i + 1} of table {table!r} is {have[0]!r} {have[1]}, but " \
                          f"{source} says {want[0]!r} {want[1]}"
            raise PreconditionError(f"{problem}. Fix: {self.fix}: {', '.join(f'{n} {t}' for n, t in actual)}.",
                                    key=self.keys.key(self.key_from))
