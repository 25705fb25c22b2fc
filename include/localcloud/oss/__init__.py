"""A local Alibaba Cloud OSS server for ``oss2`` and ``alibabacloud-oss-v2`` (the Airflow
provider's ``OSSHook``), unchanged: path-style URLs, V1/V4 signatures, objects, listings,
multipart and append uploads, OSS errors, data kept on disk across restarts."""

from __future__ import annotations

from pathlib import Path

from localcloud.oss.service import OssService
from localcloud.settings import Settings


def build(data_dir: Path, settings: Settings) -> OssService:
    """The service ``localcloud.serve`` starts under the name ``oss``."""
    return OssService(data_dir, settings)
