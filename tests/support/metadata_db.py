"""Migrated Airflow metadata DBs by copy: `make test` migrates a fresh template once
(``.airflow/tests-template.db``); each xdist worker, and each Airflow home a test makes, starts from
a copy of it in well under a second instead of a migration's ten to thirty seconds."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[2] / ".airflow" / "tests-template.db"


def copy_database(source: Path, target: Path) -> None:
    """``source`` into ``target`` (replaced). A backup, not a file copy: consistent even while
    something else writes the original."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)


def migrated(target: Path, migrate: Callable[[], object]) -> None:
    """A migrated metadata DB at ``target``: the template's copy, or ``migrate()`` without one (a
    plain pytest outside `make test`)."""
    if TEMPLATE.exists():
        copy_database(TEMPLATE, target)
    else:
        migrate()
