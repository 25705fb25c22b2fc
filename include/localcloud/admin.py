"""Client side of the servers' admin routes (``/_localcloud/...``), for tests, benchmarks and the
demo: inject faults, split a stream shard, ... Plain HTTP on loopback, no signature."""

from __future__ import annotations

import json
import urllib.request


def call(endpoint: str, method: str, route: str, payload=None):
    """Call an admin route of the server at ``endpoint`` and return its JSON answer."""
    base = endpoint.split("/api", 1)[0].rstrip("/")  # MaxCompute endpoints end in /api
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(f"{base}/_localcloud/{route}", data=data, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def inject_fault(endpoint: str, **rule) -> list[dict]:
    """Add a fault rule (see :class:`localcloud.faults.FaultRule`); returns all rules."""
    return call(endpoint, "POST", "faults", rule)


def clear_faults(endpoint: str) -> list[dict]:
    return call(endpoint, "DELETE", "faults")


def faults(endpoint: str) -> list[dict]:
    """The rules with how often each matched (``seen``) and fired (``fired``)."""
    return call(endpoint, "GET", "faults")
