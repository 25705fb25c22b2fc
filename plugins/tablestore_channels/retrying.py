"""One retry loop for every service call the channels make, as DataX's plugins do it but with
one budget: exponential backoff ``pause * 2^(n-1)`` capped at 30 s, only for errors that waiting
can cure. The SDKs' own retries are switched off where we retry (Tablestore clients get
``NoRetryPolicy``), so budgets do not multiply; the Tablestore SDK never retries a network
failure (a reset connection surfaces as a urllib3 error), this loop does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import oss2
import requests
import urllib3
from tablestore import OTSClientError, OTSServiceError

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_BACKOFF_SECONDS = 30.0
_NETWORK_ERRORS = (urllib3.exceptions.HTTPError, requests.exceptions.ConnectionError, ConnectionError, TimeoutError)

OTS_NON_RETRIABLE_CODES = frozenset({
    "OTSAuthFailed", "OTSParameterInvalid", "OTSObjectNotExist", "OTSObjectAlreadyExist",
    "OTSConditionCheckFail", "OTSRequestBodyTooLarge", "OTSTrimmedDataAccess", "OTSInvalidPK",
    "OTSOutOfColumnCountLimit", "OTSOutOfRowSizeLimit", "OTSMethodNotAllowed", "OTSNoPermissionAccess",
    "OTSRequestTooLarge",
})


def ots_retriable(error: BaseException) -> bool:
    """Tablestore: service errors other than the hopeless ones, and network failures."""
    if isinstance(error, OTSServiceError):
        return error.code not in OTS_NON_RETRIABLE_CODES
    if isinstance(error, OTSClientError):
        return False  # raised before sending (bad argument) or on a malformed answer
    return isinstance(error, _NETWORK_ERRORS)


def oss_retriable(error: BaseException) -> bool:
    """OSS: 5xx answers, throttling, and network failures (oss2 reports those as status -2)."""
    if isinstance(error, oss2.exceptions.OssError):
        return error.status >= 500 or error.status in (-2, 429) or error.code in ("RequestTimeout",)
    return isinstance(error, _NETWORK_ERRORS)


@dataclass
class Retry:
    """Call with retries: ``max_retries`` after the first attempt, first pause ``pause_ms``."""

    is_retriable: Callable[[BaseException], bool]
    max_retries: int = 18
    pause_ms: int = 100
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int) -> float:
        return min(self.pause_ms / 1000 * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)

    def call(self, what: str, fn: Callable[..., T], *args, **kwargs) -> T:
        attempt = 0
        while True:
            try:
                return fn(*args, **kwargs)
            except Exception as error:
                attempt += 1
                if not self.is_retriable(error) or attempt > self.max_retries:
                    raise
                pause = self.delay(attempt)
                log.warning("%s failed (%s: %s); retry %d/%d in %.1fs", what, type(error).__name__,
                            getattr(error, "code", None) or error, attempt, self.max_retries, pause)
                self.sleep(pause)
