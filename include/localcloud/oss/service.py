"""The local OSS service object ``localcloud.serve`` runs: the store, the keys, the handler."""

from __future__ import annotations

from pathlib import Path

from localcloud.oss.handler import OssHandler
from localcloud.oss.models import STORAGE_CLASS
from localcloud.oss.store import Store
from localcloud.settings import Settings


class OssService:
    """OSS on loopback: path-style URLs, V1 and V4 signatures, data under ``data_dir``."""

    handler_class = OssHandler

    def __init__(self, data_dir: Path, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(data_dir)
        if settings.bucket not in {b.name for b in self.store.buckets()}:
            self.store.create_bucket(settings.bucket, STORAGE_CLASS)

    def endpoint_info(self, host: str, port: int) -> dict:
        return {
            "endpoint": f"http://{host}:{port}",
            "bucket": self.settings.bucket,
            "region": self.settings.region,
            "access_key_id": self.settings.access_key_id,
            "access_key_secret": self.settings.access_key_secret,
        }

    def admin(self, method: str, route: str, payload) -> dict:
        raise LookupError(f"the OSS server has no admin route {method} {route!r} (only 'faults')")

    def close(self) -> None:
        """Nothing to release: every change is on disk when its request is answered."""
