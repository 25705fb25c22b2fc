"""A StatsD receiver: a UDP socket on loopback that keeps every metric line sent to it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class StatsdReceiver:
    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.lines: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.socket.recv(65_535)
            except TimeoutError:
                continue
            self.lines.extend(data.decode().splitlines())  # a packet may carry several lines

    def values(self, name: str, kind: str) -> list[float]:
        """The values of the lines ``<name>:<value>|<kind>`` received so far."""
        found = []
        for line in list(self.lines):
            metric, _, rest = line.partition(":")
            value, _, rest = rest.partition("|")
            if metric == name and rest.split("|")[0] == kind:
                found.append(float(value))
        return found

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@contextmanager
def statsd_receiver() -> Iterator[StatsdReceiver]:
    receiver = StatsdReceiver()
    try:
        yield receiver
    finally:
        receiver.close()
