"""Fault injection shared by the local servers, switchable at run time.

A rule matches requests by operation name (``GetRange``, ``PutObject``, ``tunnel.commit``, ... or
``*``) and answers some of them with a fault instead of the real answer. Each server renders the
fault in its own protocol (an ``OTSServerBusy`` protobuf error, an OSS XML error, ...).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

KINDS = ("error", "status", "reset", "delay")


@dataclass
class FaultRule:
    """One fault rule.

    kind:   ``error`` (the service's own error ``code`` with its HTTP status), ``status`` (a bare
            HTTP ``status``, e.g. 500 or 503), ``reset`` (close the connection without an answer),
            ``delay`` (sleep ``delay_seconds`` and then answer normally).
    op:     operation name, or ``*`` for every operation of the service.
    count:  fault this many matching requests, then the rule is spent (None = no limit).
    fraction: fault each matching request with this probability (default 1.0).
    skip:   let this many matching requests through before the rule starts (a fault mid-run).
    """

    kind: str
    op: str = "*"
    code: str | None = None
    status: int | None = None
    delay_seconds: float = 0.0
    count: int | None = None
    fraction: float = 1.0
    skip: int = 0
    seen: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {KINDS}, got {self.kind!r}")
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"fault fraction must be within [0, 1], got {self.fraction!r}")
        if self.kind == "status" and not self.status:
            raise ValueError("a 'status' fault needs an HTTP status, e.g. 503")

    @property
    def spent(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "op": self.op, "code": self.code, "status": self.status,
            "delay_seconds": self.delay_seconds, "count": self.count, "fraction": self.fraction,
            "skip": self.skip, "seen": self.seen, "fired": self.fired,
        }


class FaultInjector:
    """Thread-safe set of fault rules for one server."""

    def __init__(self, seed: int = 0) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def add_from_dict(self, spec: dict) -> FaultRule:
        allowed = {"kind", "op", "code", "status", "delay_seconds", "count", "fraction", "skip"}
        unknown = set(spec) - allowed
        if unknown:
            raise ValueError(f"unknown fault field(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        rule = FaultRule(**spec)
        self.add(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict]:
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def take(self, op: str) -> FaultRule | None:
        """Return the rule that faults this request, if any (and count it as fired)."""
        with self._lock:
            for rule in self._rules:
                if rule.spent or rule.op not in ("*", op):
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    continue
                if rule.fraction < 1.0 and self._random.random() >= rule.fraction:
                    continue
                rule.fired += 1
                return rule
        return None
