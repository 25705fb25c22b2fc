"""The local OSS service object ``localcloud.serve`` runs: the store, the keys, the handler."""

from __future__ import annotations

from pathlib import Path

from localcloud.oss.addressing import Cnames
from localcloud.oss.handler import OssHandler
from localcloud.oss.models import STORAGE_CLASS
from localcloud.oss.store import Store
from localcloud.settings import Settings


class OssService:
    """OSS on loopback: path-style, virtual-host and cname addressing, V1 and V4 signatures (headers
    and presigned URLs), data under ``data_dir``.

    Admin route ``POST oss/cname`` ``{"domain": D, "bucket": B}`` serves bucket B at domain D (as a
    CNAME record bound to a bucket does); helper :func:`localcloud.oss.control.bind_cname`."""

    handler_class = OssHandler

    def __init__(self, data_dir: Path, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(data_dir)
        self.cnames = Cnames(Path(data_dir) / "cnames.json", self.store.tmp)
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
        if (method, route) != ("POST", "oss/cname"):
            raise LookupError(f"the OSS server has no admin route {method} {route!r} (only 'faults', 'oss/cname')")
        if not isinstance(payload, dict) or not all(isinstance(payload.get(k), str) for k in ("domain", "bucket")):
            raise ValueError('the payload must be {"domain": D, "bucket": B}')
        if payload["bucket"] not in {b.name for b in self.store.buckets()}:
            raise LookupError(f"no bucket {payload['bucket']!r}")
        self.cnames.bind(payload["domain"], payload["bucket"])
        return {"domain": payload["domain"].lower(), "bucket": payload["bucket"]}

    def close(self) -> None:
        """Nothing to release: every change is on disk when its request is answered."""
