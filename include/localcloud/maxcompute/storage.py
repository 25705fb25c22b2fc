"""Committed table data on disk: Parquet files listed by one manifest per partition.

``tables/<table id>/<partition id>/manifest.json`` names the visible files and carries a version.
A commit first places its files next to the manifest (unlisted files are invisible) and then
replaces the manifest with ``os.replace``: readers see all of a commit or none of it, and a crash
before the rename leaves the data unchanged. Files no manifest lists are removed at start-up.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from localcloud.maxcompute.models import EMPTY, DataFile, Snapshot

MANIFEST = "manifest.json"
KEPT_COMMIT_IDS = 1000  # upload ids remembered per partition, so a session commits at most once


def write_parquet(table: pa.Table, path: Path) -> DataFile:
    """Write ``table`` to ``path`` atomically (a rewrite of the same path replaces it whole)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    return DataFile(path.name, table.num_rows, path.stat().st_size)


class Storage:
    """Data of all tables under ``root``; commits to one partition are serialised."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._lock = threading.Lock()
        root.mkdir(parents=True, exist_ok=True)

    def _dir(self, table_id: str, partition_id: str) -> Path:
        return self._root / table_id / partition_id

    def snapshot(self, table_id: str, partition_id: str) -> Snapshot:
        path = self._dir(table_id, partition_id) / MANIFEST
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return EMPTY
        return Snapshot(data["version"], tuple(DataFile(**f) for f in data["files"]), data["modified"],
                        tuple(data.get("commit_ids", ())))

    def commit(self, table_id: str, partition_id: str, commit_id: str,
               staged: list[tuple[Path, DataFile]], overwrite: bool = False) -> Snapshot:
        """Make the staged files visible at once (replacing the data if ``overwrite``).

        ``commit_id`` (the upload id) is recorded in the same manifest, so a commit that was
        published before a crash is recognised and never applied twice.
        """
        directory = self._dir(table_id, partition_id)
        directory.mkdir(parents=True, exist_ok=True)
        # Placed under the lock: publishing removes unlisted files, another commit's included.
        with self._lock:
            current = self.snapshot(table_id, partition_id)
            if commit_id in current.commit_ids:
                raise AlreadyCommitted(commit_id)
            placed = []
            for path, data_file in staged:
                name = f"{uuid.uuid4().hex}.parquet"
                _link_or_copy(path, directory / name)
                placed.append(DataFile(name, data_file.rows, data_file.size))
            kept = () if overwrite else current.files
            commit_ids = (current.commit_ids + (commit_id,))[-KEPT_COMMIT_IDS:]
            return self._publish(directory, current, kept + tuple(placed), commit_ids)

    def is_committed(self, table_id: str, partition_id: str, commit_id: str) -> bool:
        return commit_id in self.snapshot(table_id, partition_id).commit_ids

    def truncate(self, table_id: str, partition_id: str) -> None:
        directory = self._dir(table_id, partition_id)
        with self._lock:
            current = self.snapshot(table_id, partition_id)
            if current.files:
                self._publish(directory, current, (), current.commit_ids)

    def _publish(self, directory: Path, current: Snapshot, files: tuple[DataFile, ...],
                 commit_ids: tuple[str, ...]) -> Snapshot:
        snapshot = Snapshot(current.version + 1, files, time.time(), commit_ids)
        tmp = directory / f".{MANIFEST}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(json.dumps({"version": snapshot.version, "modified": snapshot.modified,
                                   "files": [f.__dict__ for f in files], "commit_ids": list(commit_ids)}))
        os.replace(tmp, directory / MANIFEST)  # the commit point
        _remove_unlisted(directory, {f.name for f in files})
        return snapshot

    def drop(self, table_id: str, partition_id: str | None = None) -> None:
        path = self._root / table_id if partition_id is None else self._dir(table_id, partition_id)
        shutil.rmtree(path, ignore_errors=True)

    def read(self, table_id: str, partition_id: str, snapshot: Snapshot, schema: pa.Schema,
             start: int = 0, count: int | None = None) -> pa.Table:
        """Rows ``[start, start + count)`` of ``snapshot``, columns as in ``schema``."""
        directory = self._dir(table_id, partition_id)
        end = snapshot.rows if count is None else min(snapshot.rows, start + count)
        pieces, offset = [], 0
        for data_file in snapshot.files:
            lo, hi = max(start, offset), min(end, offset + data_file.rows)
            if lo < hi:
                table = pq.read_table(directory / data_file.name, columns=schema.names)
                pieces.append(table.slice(lo - offset, hi - lo).cast(schema))
            offset += data_file.rows
        if not pieces:
            return schema.empty_table()
        return pa.concat_tables(pieces)

    def collect_garbage(self, live_table_ids: set[str]) -> None:
        """Remove data of dropped tables and files of interrupted commits (run at start-up)."""
        for table_dir in self._root.iterdir():
            if table_dir.name not in live_table_ids:
                shutil.rmtree(table_dir, ignore_errors=True)
                continue
            for partition_dir in table_dir.iterdir():
                snapshot = self.snapshot(table_dir.name, partition_dir.name)
                _remove_unlisted(partition_dir, {f.name for f in snapshot.files})


class AlreadyCommitted(Exception):
    """The upload id was committed to this partition before."""


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _remove_unlisted(directory: Path, listed: set[str]) -> None:
    for path in directory.iterdir():
        if path.name != MANIFEST and path.name not in listed:
            path.unlink(missing_ok=True)
