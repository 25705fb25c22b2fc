"""Tunnel upload and download sessions of tables.

Upload: a session targets one table or partition. Each ``PUT`` of a block decodes and verifies the
whole block before anything is stored, then writes it to ``uploads/<id>/block-<n>.parquet`` in
one rename, so a retried block replaces its earlier copy and a corrupt one stores nothing. The
commit publishes every uploaded block in one manifest rename (see
:mod:`localcloud.maxcompute.storage`); a session commits once. Blocks of a session never
committed stay invisible.

Download: a session pins the partition's data version and record count; reads are row ranges of
it, as records or Arrow. When the data changes, the session reports EXPIRED and reads fail.
Sessions are JSON files, so they outlive a restart, as the service's do.
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

from localcloud.maxcompute import codec, partitionspec
from localcloud.maxcompute.catalog import Catalog
from localcloud.maxcompute.errors import MaxComputeError, invalid_partition_spec, no_such_partition, no_such_table
from localcloud.maxcompute.models import DownloadSession, Table, UploadSession
from localcloud.maxcompute.schema import Column
from localcloud.maxcompute.storage import AlreadyCommitted, Storage, write_parquet

MAX_BLOCK_ID = 19999


def new_session_id() -> str:
    """Ids look like the service's: a timestamp then random hex."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + uuid.uuid4().hex[:18]


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


class TableTunnel:
    """Upload and download sessions over the catalog and the committed storage."""

    def __init__(self, root: Path, catalog: Catalog, storage: Storage) -> None:
        self._uploads_dir = root / "uploads"
        self._downloads_dir = root / "downloads"
        self._catalog = catalog
        self._storage = storage
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _session_lock(self, session_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(session_id, threading.Lock())

    # --- resolving the target -----------------------------------------------------------------
    def _table(self, project: str, name: str) -> Table:
        try:
            return self._catalog.table(project, name)
        except MaxComputeError as exc:
            if exc.code == "NoSuchObject":
                raise no_such_table(project, name.lower(), code="NoSuchTable") from None
            raise

    def _partition(self, table: Table, spec_text: str | None, create: bool = False) -> tuple[str, ...] | None:
        if not table.partitioned:
            if spec_text:
                raise invalid_partition_spec(f"table {table.full_name} is not partitioned")
            return None
        if not spec_text:
            raise invalid_partition_spec(f"table {table.full_name} is partitioned: give a partition")
        values = partitionspec.resolve(table.schema, partitionspec.parse(spec_text), table.full_name)
        if values not in table.partitions:
            if not create:
                raise no_such_partition(table.full_name, partitionspec.format_spec(table.schema, values),
                                        code="NoSuchPartition")
            self._catalog.add_partition(table, values, if_not_exists=True)
        return values

    def _live_table(self, project: str, name: str, table_id: str) -> Table:
        """The session's table, unless it was dropped (and maybe re-created) since."""
        table = self._table(project, name)
        if table.table_id != table_id:
            raise no_such_table(project, name, code="NoSuchTable")
        return table

    # --- uploads --------------------------------------------------------------------------------
    def create_upload(self, project: str, table_name: str, spec_text: str | None, overwrite: bool,
                      create_partition: bool) -> tuple[UploadSession, Table]:
        table = self._table(project, table_name)
        values = self._partition(table, spec_text, create=create_partition)
        session = UploadSession(new_session_id(), project, table.name, table.table_id, values, overwrite)
        self._save_upload(session)
        return session, table

    def upload(self, project: str, table_name: str, upload_id: str) -> tuple[UploadSession, Table]:
        path = self._uploads_dir / upload_id / "session.json"
        try:
            session = UploadSession.from_json(json.loads(path.read_text()))
        except (FileNotFoundError, NotADirectoryError, ValueError):
            raise MaxComputeError("NoSuchUpload", f"upload session {upload_id} does not exist") from None
        if session.project != project or session.table != table_name.lower():
            raise MaxComputeError("NoSuchUpload", f"upload session {upload_id} does not belong to "
                                  f"{project}.{table_name}")
        table = self._live_table(project, session.table, session.table_id)
        if session.status == "NORMAL" and self._is_committed(session, table):
            session.status = "CLOSED"  # published just before a crash that lost the status
        return session, table

    def _is_committed(self, session: UploadSession, table: Table) -> bool:
        if session.partition is not None and session.partition not in table.partitions:
            return False
        return self._storage.is_committed(*table.storage_ids(session.partition), session.upload_id)

    def _save_upload(self, session: UploadSession) -> None:
        _write_json(self._uploads_dir / session.upload_id / "session.json", session.to_json())

    def put_block(self, session: UploadSession, table: Table, block_id: int, body: bytes,
                  arrow: bool) -> None:
        if not 0 <= block_id <= MAX_BLOCK_ID:
            raise MaxComputeError("InvalidArgument", f"block id {block_id} is out of range 0-{MAX_BLOCK_ID}")
        if session.status != "NORMAL":
            raise MaxComputeError("InvalidStatus", f"upload session {session.upload_id} is {session.status}")
        columns = list(table.schema.columns)
        data = codec.decode_arrow(columns, body) if arrow else codec.decode_records(columns, body)
        path = self._uploads_dir / session.upload_id / f"block-{block_id}.parquet"
        with self._session_lock(session.upload_id):
            current, _ = self.upload(session.project, session.table, session.upload_id)
            if current.status != "NORMAL":
                raise MaxComputeError("InvalidStatus", f"upload session {session.upload_id} is {current.status}")
            current.blocks[block_id] = write_parquet(data, path)
            self._save_upload(current)

    def commit(self, session: UploadSession, table: Table) -> UploadSession:
        with self._session_lock(session.upload_id):
            session, table = self.upload(session.project, session.table, session.upload_id)
            if session.status != "NORMAL":
                raise MaxComputeError("InvalidStatus", f"upload session {session.upload_id} is "
                                      f"{session.status}: it was committed already")
            with self._catalog.lock:
                if session.partition is not None and session.partition not in table.partitions:
                    raise no_such_partition(table.full_name, partitionspec.format_spec(
                        table.schema, session.partition), code="NoSuchPartition")
                directory = self._uploads_dir / session.upload_id
                staged = [(directory / f"block-{b}.parquet", f) for b, f in sorted(session.blocks.items())]
                try:
                    self._storage.commit(*table.storage_ids(session.partition), session.upload_id,
                                         staged, overwrite=session.overwrite)
                except AlreadyCommitted:
                    pass  # published before a crash; finish the bookkeeping below
            session.status = "CLOSED"
            self._save_upload(session)
            for path, _ in staged:
                path.unlink(missing_ok=True)
            return session

    # --- downloads ------------------------------------------------------------------------------
    def create_download(self, project: str, table_name: str, spec_text: str | None) -> tuple[DownloadSession, Table]:
        table = self._table(project, table_name)
        values = self._partition(table, spec_text)
        snapshot = self._storage.snapshot(*table.storage_ids(values))
        session = DownloadSession(new_session_id(), project, table.name, table.table_id, values,
                                  snapshot.version, snapshot.rows, time.time())
        _write_json(self._downloads_dir / f"{session.download_id}.json", session.__dict__)
        return session, table

    def download(self, project: str, table_name: str, download_id: str) -> tuple[DownloadSession, Table, bool]:
        """The session, its table, and whether its data version is still the current one."""
        try:
            data = json.loads((self._downloads_dir / f"{download_id}.json").read_text())
        except (FileNotFoundError, ValueError):
            raise MaxComputeError("NoSuchDownload", f"download session {download_id} does not exist") from None
        data["partition"] = tuple(data["partition"]) if data["partition"] is not None else None
        session = DownloadSession(**data)
        if session.project != project or session.table != table_name.lower():
            raise MaxComputeError("NoSuchDownload", f"download session {download_id} does not belong to "
                                  f"{project}.{table_name}")
        table = self._live_table(project, session.table, session.table_id)
        if session.partition is not None and session.partition not in table.partitions:
            return session, table, False
        current = self._storage.snapshot(*table.storage_ids(session.partition))
        return session, table, current.version == session.version

    def read(self, session: DownloadSession, table: Table, columns: list[Column],
             start: int, count: int) -> pa.Table:
        check_row_range(start, count, session.count)
        ids = table.storage_ids(session.partition)
        snapshot = self._storage.snapshot(*ids)
        if snapshot.version != session.version:
            raise MaxComputeError("TableModified", f"the data of {table.full_name} changed after download "
                                  f"session {session.download_id} was created; create a new session")
        return self._storage.read(*ids, snapshot, table.schema.arrow_schema([c.name for c in columns]),
                                  start, count)

    def drop_uploads_of(self, table_id: str) -> None:
        """Forget the staged blocks of sessions of a dropped table."""
        if not self._uploads_dir.exists():
            return
        for directory in self._uploads_dir.iterdir():
            try:
                session = json.loads((directory / "session.json").read_text())
            except (FileNotFoundError, ValueError):
                continue
            if session["table_id"] == table_id:
                shutil.rmtree(directory, ignore_errors=True)


def check_row_range(start: int, count: int, total: int) -> None:
    if start < 0 or count < 0 or start + count > total:
        raise MaxComputeError("InvalidRowRange", f"row range ({start},{count}) is outside the "
                              f"{total} records of the session")
