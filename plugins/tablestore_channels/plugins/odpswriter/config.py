"""ODPSWriter parameters (``writer.plugin: odps``), with DataX's names and meanings."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tablestore_channels.config import connection_ids
from tablestore_channels.config.parameters import MB, JobKeys, Parameters, is_templated
from tablestore_channels.datasets import Dataset, Namespaces
from tablestore_channels.errors import ConfigError

log = logging.getLogger(__name__)

# What MaxCompute allows in a partition value (quotes, separators and control characters not).
_FORBIDDEN_IN_VALUE = re.compile(r"""['"/\\=,\x00-\x1f]""")


@dataclass(frozen=True)
class ODPSWriterConfig(JobKeys):
    """Validated ODPSWriter parameters.

    ``columns`` None means ``["*"]`` (every table column, in table order). ``partition`` is the
    spec as (key, value) pairs in the order given; whether the keys match the table's partition
    keys is checked against the table when the job runs. It stays the raw text while it still
    holds an Airflow template (checked again once rendered). ``block_size`` is in bytes
    (``blockSizeInMB`` is given in MB).
    """

    table: str
    truncate: bool
    columns: tuple[str, ...] | None = None
    partition: tuple[tuple[str, str], ...] | str | None = None
    empty_as_null: bool = False
    block_size: int = 64 * MB
    datasource: str = connection_ids.MAXCOMPUTE
    path: str = field(default="writer.parameter", compare=False)  # where the job holds it

    ALLOWED = ("datasource", "table", "column", "partition", "truncate", "emptyAsNull", "blockSizeInMB",
               "consistencyCommit")

    def dataset(self, summary: dict, namespaces: Namespaces) -> Dataset:
        project, _, table = summary["table"].partition(".")
        return Dataset(f"maxcompute://{project}", table)

    @classmethod
    def from_parameter(cls, raw: Mapping[str, Any], path: str = "writer.parameter") -> ODPSWriterConfig:
        p = Parameters(raw, path, allowed=cls.ALLOWED)
        if "truncate" not in raw:
            raise ConfigError(p.key("truncate"), "is required.",
                              "set true to replace the table or partition, false to append to it.")
        if p.has("consistencyCommit") and not p.boolean("consistencyCommit"):
            log.info("%s: consistencyCommit=false is ignored: this writer always commits all or nothing.",
                     p.key("consistencyCommit"))
        return cls(
            path=path,
            table=p.string("table"),
            truncate=p.boolean("truncate"),
            columns=_columns(p),
            partition=parse_partition(raw.get("partition"), p.key("partition")),
            empty_as_null=p.boolean("emptyAsNull", False),
            block_size=p.integer("blockSizeInMB", 64, minimum=1) * MB,
            datasource=p.string("datasource", connection_ids.MAXCOMPUTE),
        )

    @property
    def partition_text(self) -> str | None:
        """The spec as the tunnel takes it: ``pt=1,region=hz`` (None: no partition)."""
        if self.partition is None or isinstance(self.partition, str):
            return self.partition
        return ",".join(f"{k}={v}" for k, v in self.partition)


def _columns(p: Parameters) -> tuple[str, ...] | None:
    names = p.list("column")
    if names == ["*"]:
        return None
    if not names or not all(isinstance(n, str) and n.strip() and n != "*" for n in names):
        raise ConfigError(p.key("column"), f"must be [\"*\"] or a list of column names, got {names!r}.",
                          "list the MaxCompute columns in the order of the reader's columns.")
    lowered = [n.strip().lower() for n in names]  # MaxCompute names are case-insensitive
    duplicates = sorted({n for n in lowered if lowered.count(n) > 1})
    if duplicates:
        raise ConfigError(p.key("column"), f"names {duplicates} more than once.", "list each column once.")
    return tuple(lowered)


def parse_partition(text: Any, key: str) -> tuple[tuple[str, str], ...] | str | None:
    """``pt=1,region=hz`` or ``pt=1/region=hz`` (values may be quoted) -> ((key, value), ...)."""
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise ConfigError(key, f"must be a string like 'pt=20240101,region=hz', got {text!r}.")
    if is_templated(text):
        return text
    pairs = []
    for part in re.split(r"[,/]", text.strip()):
        name, sep, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if not sep or not name or not value or _FORBIDDEN_IN_VALUE.search(value):
            raise ConfigError(key, f"{part.strip()!r} of {text!r} is not key=value.",
                              "write the full spec down to the last level, e.g. 'pt=20240101,region=hz' "
                              "(values without quotes, '/', '=', ',' or control characters).")
        pairs.append((name, value))
    names = [n for n, _ in pairs]
    if len(set(names)) != len(names):
        raise ConfigError(key, f"gives a partition key twice: {text!r}.")
    return tuple(pairs)
