"""Client helper for the local OSS server's admin route (see :class:`localcloud.oss.service.OssService`)."""

from __future__ import annotations

from localcloud.admin import call


def bind_cname(endpoint: str, domain: str, bucket: str) -> None:
    """Serve ``bucket`` at ``domain``: requests with that ``Host`` name its objects by path alone."""
    call(endpoint, "POST", "oss/cname", {"domain": domain, "bucket": bucket})
