"""Recorded Tablestore answers, replayed in-process: the client's own CPU, no server.

``Recorder`` wraps a client's HTTP connection and keeps every answer by its request (path and
protobuf body, which are deterministic for the same call; the signed headers are not compared).
``ReplayConnection`` then answers the same requests from memory, so a client (the bare SDK loop
or a channel's reader) runs its whole request path - encoding, signing, the response checks
(MD5, signature, date within 15 minutes of the recording) and decoding - with nothing else in the
measured loop. The server's time and the wait for it are kept out of the figure.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from typing import Any

Answer = tuple[int, str, Any, bytes]


class Recorder:
    """Keeps the answers of ``client``'s connection while it talks to the server."""

    def __init__(self, client: Any) -> None:
        self.connection = client.connection
        self.answers: dict[tuple[str, bytes], Answer] = {}
        client.connection = self

    def send_receive(self, url: str, headers: Any, body: bytes) -> Answer:
        status, reason, res_headers, res_body = self.connection.send_receive(url, headers, body)
        self.answers[url, bytes(body)] = (status, reason, dict(res_headers), res_body)
        return status, reason, res_headers, res_body


class ReplayConnection:
    """Answers requests from recorded answers (a request not recorded is a bench bug)."""

    def __init__(self, answers: dict[tuple[str, bytes], Answer]) -> None:
        self.answers = answers

    def send_receive(self, url: str, headers: Any, body: bytes) -> Answer:
        try:
            return self.answers[url, bytes(body)]
        except KeyError:
            raise RuntimeError(f"replay: request {url} was not recorded") from None


def replaying(client: Any, answers: dict[tuple[str, bytes], Answer]) -> Any:
    client.connection = ReplayConnection(answers)
    return client


def cpu_seconds(action: Callable[[], Any]) -> tuple[float, Any]:
    """CPU seconds of this process (all its threads) spent in ``action``, and its result."""
    started = time.process_time()
    result = action()
    return time.process_time() - started, result


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
