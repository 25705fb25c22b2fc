"""The one exception tree of the channels.

- :class:`ConfigError`: a job or parameter is wrong; the message names the key, the value and the
  fix. Retrying cannot help, so operators fail the task without retries.
- :class:`PreconditionError`: the world is not as the job needs it (missing table or bucket, a
  primary-key type mismatch, objects in the way of ``nonConflict``). Found before anything is
  written; also not retried.
- :class:`DirtyRecord`: one record cannot be converted or written; counted against
  ``errorLimit``, never silently changed.
- :class:`ErrorLimitExceeded`: more dirty records than ``errorLimit`` allows; the run fails
  without a commit, the previous output untouched.
"""

from __future__ import annotations


class ChannelError(Exception):
    """Base of every error the channels raise on purpose. ``key``: the job parameter it is about
    (``configuration.reader.parameter.table``), when there is one."""

    key: str | None = None

    def located(self, where: str) -> str:
        """The message, led by ``where`` (the param or key the user set) instead of the key."""
        return f"{where}: {self}"


class ConfigError(ChannelError, ValueError):
    """A job or parameter is invalid."""

    key: str

    def __init__(self, key: str, problem: str, fix: str | None = None) -> None:
        self.key = key
        self.problem = problem + (f" Fix: {fix}" if fix else "")
        super().__init__(f"{key}: {self.problem}")

    def located(self, where: str) -> str:
        return f"{where}: {self.problem}"


class PreconditionError(ChannelError):
    """The source or target is not in a state the job can run against."""

    def __init__(self, message: str, key: str | None = None) -> None:
        self.key = key
        super().__init__(message)


class DirtyRecord(ChannelError):
    """A record that cannot be converted or written.

    :param reason: what is wrong, for the log and the dirty-records object.
    :param column: the offending column's position in the record, if known.
    """

    def __init__(self, reason: str, column: int | None = None) -> None:
        self.reason = reason
        self.column = column
        super().__init__(reason)


class ErrorLimitExceeded(ChannelError):
    """More dirty records than ``setting.errorLimit`` allows."""
