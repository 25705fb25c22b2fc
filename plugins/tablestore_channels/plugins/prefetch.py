"""One call at a time in the background, so a reader fetches its next page while this one is
converted and written.

Each call runs on a daemon thread of its own, never waited for on the way out: a split failed by
its task's ``execution_timeout`` (or any error) ends at once, its pending fetch abandoned, where a
``ThreadPoolExecutor`` would wait for it on leaving its block and again at interpreter exit, so a
hung server call would hold the failed task for as long as its retries last. An abandoned fetch
that retries stops at its next pause (:func:`abandoned_on_leaving`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

from tablestore_channels.retrying import Retry

T = TypeVar("T")


def in_background(name: str, fn: Callable[..., T], *args: Any) -> Future[T]:
    """``fn(*args)`` on a new daemon thread called ``name``; its result or error in the future."""
    future: Future[T] = Future()

    def run() -> None:
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args))
        except BaseException as error:  # handed to the caller of result(), as an executor does
            future.set_exception(error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


class Abandoned(Exception):
    """A background call's retries ended because its caller has given up on its result."""


@contextlib.contextmanager
def abandoned_on_leaving(retry: Retry) -> Iterator[Retry]:
    """``retry`` for a reader's background fetches, whose retries end (:class:`Abandoned`) at the
    first pause after the reader has left this block: a fetch it will never read stops retrying."""
    left = threading.Event()
    sleep = retry.sleep

    def pause(seconds: float) -> None:
        if left.is_set():
            raise Abandoned("the reader has given up on this fetch")
        sleep(seconds)
        if left.is_set():
            raise Abandoned("the reader has given up on this fetch")

    try:
        yield dataclasses.replace(retry, sleep=pause)
    finally:
        left.set()
