"""A local Alibaba Cloud OSS server for ``oss2``, ``alibabacloud-oss-v2`` (the Airflow provider's
``OSSHook``) and ``ali-oss`` (Node.js), unchanged: path-style, virtual-host and cname addressing,
V1/V4 signatures in headers and presigned URLs, objects, listings, multipart (with part copies)
and append uploads, storage classes, object ACLs and tags, OSS errors, data kept on disk across
restarts."""

from __future__ import annotations

from pathlib import Path

from localcloud.oss.service import OssService
from localcloud.settings import Settings


def build(data_dir: Path, settings: Settings) -> OssService:
    """The service ``localcloud.serve`` starts under the name ``oss``."""
    return OssService(data_dir, settings)
