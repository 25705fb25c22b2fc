"""The datasets a job reads and writes, named for Airflow assets and OpenLineage:
``tablestore://<instance>/<table>``, ``oss://<bucket>/<prefix>``, ``maxcompute://<project>/<table>``.

Each plugin's parameter class declares its own: a reader's ``datasets(namespaces)``, a writer's
``dataset(summary, namespaces)`` (:mod:`tablestore_channels.lineage` asks them; it knows no plugin).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Dataset:
    namespace: str  # scheme://instance, bucket or project
    name: str

    @property
    def uri(self) -> str:
        return f"{self.namespace}/{self.name}".rstrip("/")


class Namespaces(Protocol):
    """Where the connections of a job point (Airflow connections in production)."""

    def tablestore_instance(self, config: Any) -> str: ...

    def oss_bucket(self, config: Any) -> str: ...


class ReadsDatasets(Protocol):
    """A reader's parameters: the datasets the reader reads."""

    def datasets(self, namespaces: Namespaces) -> list[Dataset]: ...


class WritesDataset(Protocol):
    """A writer's parameters: the dataset a committed run wrote (``summary``: the commit's)."""

    def dataset(self, summary: dict, namespaces: Namespaces) -> Dataset: ...


def tablestore_table(namespaces: Namespaces, config: Any, table: str) -> Dataset:
    return Dataset(f"tablestore://{namespaces.tablestore_instance(config)}", table)


def oss_prefix(bucket: str, prefix: str) -> Dataset:
    return Dataset(f"oss://{bucket}", prefix)
