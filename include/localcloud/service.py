"""What ``localcloud serve`` needs of a local service, as a protocol each of the three satisfies.

A service package (``localcloud.tablestore``, ``localcloud.oss``, ``localcloud.maxcompute``)
exposes ``build(data_dir, settings)``, a :class:`ServiceFactory`; the object it returns is a
:class:`Service`: its state, the HTTP handler class that serves it, the endpoint entry written to
the endpoints file, its admin routes (``/_localcloud/<service>/...``) and ``close``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from localcloud.httpserver import BaseHandler
from localcloud.settings import Settings


@runtime_checkable
class Service(Protocol):
    """One local service as ``serve`` runs it."""

    handler_class: type[BaseHandler]

    def endpoint_info(self, host: str, port: int) -> dict:
        """The endpoints file's entry: URL, keys, and the instance, bucket or project."""

    def admin(self, method: str, route: str, payload: Any) -> Any:
        """Answer an admin route under ``/_localcloud/<service>/`` (JSON in, JSON out)."""

    def close(self) -> None:
        """Release files and threads; the data stays under the data dir."""


class ServiceFactory(Protocol):
    """A service package's ``build``."""

    def __call__(self, data_dir: Path, settings: Settings) -> Service: ...
