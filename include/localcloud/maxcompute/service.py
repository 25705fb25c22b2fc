"""The MaxCompute service object ``serve.py`` runs: state of one server and its endpoints."""

from __future__ import annotations

import time
from pathlib import Path

from localcloud.maxcompute.catalog import Catalog
from localcloud.maxcompute.handler import MaxComputeHandler
from localcloud.maxcompute.instances import Instances
from localcloud.maxcompute.models import Snapshot, Table
from localcloud.maxcompute.storage import Storage
from localcloud.maxcompute.tunnel import TableTunnel
from localcloud.settings import Settings


class MaxComputeService:
    """Catalog, committed data, tunnel sessions and instances under ``data_dir``."""

    handler_class = MaxComputeHandler

    def __init__(self, data_dir: Path, settings: Settings) -> None:
        self.settings = settings
        self.started = time.time()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(data_dir / "catalog.json", [settings.project])
        self.storage = Storage(data_dir / "tables")
        self.storage.collect_garbage(self.catalog.table_ids())
        self.tunnel = TableTunnel(data_dir / "tunnel", self.catalog, self.storage)
        self.instances = Instances(data_dir / "instances", self.catalog, self.storage, self.tunnel)

    def snapshots(self, table: Table) -> list[Snapshot]:
        """The committed data of every partition of ``table`` (one snapshot if unpartitioned)."""
        with self.catalog.lock:
            keys = list(table.partitions) if table.partitioned else [None]
        return [self.storage.snapshot(*table.storage_ids(values)) for values in keys]

    def endpoint_info(self, host: str, port: int) -> dict:
        return {
            "endpoint": f"http://{host}:{port}/api",
            "project": self.settings.project,
            "access_key_id": self.settings.access_key_id,
            "access_key_secret": self.settings.access_key_secret,
            "tunnel_endpoint": f"http://{host}:{port}",
        }

    def admin(self, method: str, route: str, payload) -> dict:
        raise LookupError(f"unknown MaxCompute admin route {route!r}")

    def close(self) -> None:
        """Nothing to release: every change is on disk when its request returns."""
