"""One channel definition, one DAG per table: a list of tables (in Python, or a JSON / YAML file
with per-table overrides) and a function that builds a table's tasks.

::

    # dags/stream_sync_tables.py
    from tablestore_channels import OSSWriter, OTSStreamReader, TablestoreStreamChannel, tables

    def sync(table: tables.TableEntry) -> None:
        TablestoreStreamChannel(
            reader=OTSStreamReader(data_table=table.name, **table.options.get("reader", {})),
            writer=OSSWriter(object=f"streams/{table.name}/", write_mode="truncate"),
        )

    globals().update(tables.table_dags("/opt/airflow/dags/tables.yaml", sync, dag_id="{table}_stream_sync",
                                       schedule="*/5 * * * *", start_date=pendulum.datetime(2026, 1, 1)))

Each table gets a DAG of its own (its own schedule, runs, state and history). An entry that is
wrong (no ``table``, a duplicate, or one the builder refuses) is an import error naming the file,
the entry and the problem; no DAG of that file is built until it is fixed.

Listing the instance's tables at parse time instead is deliberately not offered: the DAG file
processor would call Tablestore on every parse (every 30 s by default), and a failed call would
make every table's DAG vanish.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from airflow.sdk import DAG

from tablestore_channels.errors import ConfigError

_ENTRY_KEYS = ("table", "dag_id", "schedule", "options")


@dataclass(frozen=True)
class TableEntry:
    """One table of the list. ``options``: the entry's own settings for the builder (free-form:
    the builder decides what they mean)."""

    name: str
    dag_id: str
    schedule: Any = None
    options: Mapping[str, Any] = field(default_factory=dict)


def load_tables(source: str | Path | Sequence[Mapping[str, Any] | str]) -> list[Mapping[str, Any] | str]:
    """The entries of ``source``: a list, or a JSON / YAML file holding one (or ``{"tables": [...]}``)."""
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            text = path.read_text()
        except OSError as error:
            raise ConfigError(str(path), f"cannot be read ({error.strerror}).", "give the path of the tables file.") from None
        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as error:
            raise ConfigError(str(path), f"is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {error}") from None
        data = data.get("tables") if isinstance(data, Mapping) else data
        if not isinstance(data, list):
            raise ConfigError(str(path), "must hold a list of tables (or {\"tables\": [...]}).")
        return data
    return list(source)


def table_entries(source: str | Path | Sequence[Mapping[str, Any] | str], *, dag_id: str = "{table}") -> list[TableEntry]:
    """The checked entries of ``source``: each a table name, or ``{"table": ..., "dag_id": ...,
    "schedule": ..., "options": {...}}``; ``dag_id`` is the pattern of entries without one."""
    where = str(source) if isinstance(source, str | Path) else "tables"
    entries: list[TableEntry] = []
    for index, raw in enumerate(load_tables(source)):
        label = f"{where} entry {index}"
        item = {"table": raw} if isinstance(raw, str) else raw
        if not isinstance(item, Mapping):
            raise ConfigError(label, f"must be a table name or an object, got {raw!r}.")
        unknown = sorted(set(item) - set(_ENTRY_KEYS))
        if unknown:
            raise ConfigError(f"{label}.{unknown[0]}", "unknown key.",
                              f"use {', '.join(_ENTRY_KEYS)} (a table's own settings go under 'options').")
        name = item.get("table")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{label}.table", f"must be a table name, got {name!r}.")
        options = item.get("options") or {}
        if not isinstance(options, Mapping):
            raise ConfigError(f"{label} ({name}).options", f"must be an object, got {options!r}.")
        entry = TableEntry(name, item.get("dag_id") or dag_id.format(table=name), item.get("schedule"), options)
        if any(e.dag_id == entry.dag_id for e in entries):
            raise ConfigError(f"{label} ({name})", f"gives the DAG id {entry.dag_id!r} a second time.",
                              "list each table once, or give one of them its own dag_id.")
        entries.append(entry)
    return entries


def table_dags(source: str | Path | Sequence[Mapping[str, Any] | str], build: Callable[[TableEntry], Any], *,
               dag_id: str = "{table}", **dag_args: Any) -> dict[str, DAG]:
    """One DAG per table of ``source`` (see :func:`table_entries`): ``DAG(entry.dag_id,
    **dag_args)`` (an entry's ``schedule`` replaces ``dag_args``'), with ``build(entry)`` called
    inside it to add the table's tasks. Returns dag_id -> DAG; put them in the DAG file's globals.
    An entry ``build`` refuses raises the refusal, led by the file and the entry."""
    where = str(source) if isinstance(source, str | Path) else "tables"
    dags: dict[str, DAG] = {}
    for index, entry in enumerate(table_entries(source, dag_id=dag_id)):
        args = {**dag_args, **({"schedule": entry.schedule} if entry.schedule is not None else {})}
        try:
            with DAG(entry.dag_id, **args) as dag:
                build(entry)
        except (ValueError, TypeError) as error:  # a ConfigError, or Airflow refusing the DAG's arguments
            problem = str(error) if isinstance(error, ConfigError) else f"{type(error).__name__}: {error}"
            raise ConfigError(f"{where} entry {index} ({entry.name})", problem) from None
        dags[entry.dag_id] = dag
    return dags
