"""Which bucket and key a request names, in the three styles OSS serves:

* virtual-host: the bucket is the first label of ``Host``, ``<bucket>.localhost`` or
  ``<bucket>.oss-<region>[-internal].aliyuncs.com`` (ali-oss sends the latter in ``Host`` even when
  it connects to an IP address); the path is the key;
* cname: ``Host`` is a domain bound to a bucket (admin route ``oss/cname``); the path is the key;
* path: any other host (an IP address, ``localhost``, a container name); the path is
  ``/<bucket>/<key>``.

Bindings live in ``cnames.json`` under the data dir, so they survive a restart.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from localcloud.oss import blobs
from localcloud.oss.request import split_path

PATH, VIRTUAL_HOST, CNAME = "path", "virtual-host", "cname"

_VIRTUAL_HOST = re.compile(r"(?P<bucket>[a-z0-9][a-z0-9-]{1,61}[a-z0-9])\."
                           r"(?:localhost|oss-[a-z0-9-]+\.aliyuncs\.com)\Z")
_DOMAIN = re.compile(r"(?=.{1,253}\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+\Z")


@dataclass(frozen=True)
class Target:
    bucket: str | None
    key: str | None
    style: str


def host_name(host_header: str) -> str:
    """``Host`` without its port, lower-case (``[::1]:80`` -> ``[::1]``)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rpartition(":")[0] if host.count(":") == 1 else host


class Cnames:
    """Domains bound to buckets."""

    def __init__(self, path: Path, tmp: Path) -> None:
        self._path = path
        self._tmp = tmp
        self._lock = threading.Lock()
        self._bound: dict[str, str] = blobs.read_json(path) if path.exists() else {}

    def bind(self, domain: str, bucket: str) -> None:
        """Serve ``bucket`` at ``domain`` (a dotted name; it must not look like a virtual host)."""
        domain = domain.lower()
        if not _DOMAIN.match(domain) or _VIRTUAL_HOST.match(domain):
            raise ValueError(f"{domain!r} is no domain a bucket can be bound to")
        with self._lock:
            self._bound[domain] = bucket
            blobs.write_json(self._tmp, self._path, self._bound)

    def locate(self, host_header: str, path: str) -> Target:
        """The bucket, key and style of a request with this ``Host`` and (raw) path."""
        host = host_name(host_header)
        bound = self._bound.get(host)
        if bound is not None:
            return Target(bound, unquote(path[1:]) or None, CNAME)
        match = _VIRTUAL_HOST.match(host)
        if match:
            return Target(match["bucket"], unquote(path[1:]) or None, VIRTUAL_HOST)
        return Target(*split_path(path), PATH)
