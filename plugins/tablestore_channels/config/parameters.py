"""Reading one plugin's parameter dict into typed values, with errors that name the key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tablestore_channels.errors import ConfigError

_MISSING = object()
MB = 1024 * 1024  # sizes are given in MB (maxFileSize, blockSizeInMB)


def is_templated(value: Any) -> bool:
    """True for a value Airflow still has to render (checked again after rendering)."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


class Parameters:
    """A plugin's ``parameter`` object, read key by key. ``path`` prefixes every error message
    (e.g. ``reader.parameter``) so the user finds the key in the job."""

    def __init__(self, raw: Mapping[str, Any], path: str, *, allowed: Iterable[str]) -> None:
        if not isinstance(raw, Mapping):
            raise ConfigError(path, f"must be an object, got {type(raw).__name__}.")
        self.raw = raw
        self.path = path
        unknown = sorted(set(raw) - set(allowed))
        if unknown:
            raise ConfigError(
                f"{path}.{unknown[0]}", "unknown parameter.",
                f"remove it or use one of: {', '.join(sorted(allowed))}.",
            )

    def key(self, name: str) -> str:
        return f"{self.path}.{name}"

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def get(self, name: str, default: Any = _MISSING) -> Any:
        value = self.raw.get(name)
        if value is None or value == "":
            if default is _MISSING:
                raise ConfigError(self.key(name), "is required.", f"set {name!r} in the job.")
            return default
        return value

    def string(self, name: str, default: Any = _MISSING) -> str:
        value = self.get(name, default)
        if value is not default and not isinstance(value, str):
            raise ConfigError(self.key(name), f"must be a string, got {value!r}.")
        return value

    def choice(self, name: str, choices: Iterable[str], default: Any = _MISSING) -> str:
        """A string out of ``choices``, matched case-insensitively, returned as spelled there."""
        if not self.has(name) and default is not _MISSING:
            return default
        value = self.string(name)
        by_lower = {c.lower(): c for c in choices}
        if value.lower() not in by_lower:
            raise ConfigError(self.key(name), f"unknown value {value!r}.", f"use one of: {', '.join(by_lower.values())}.")
        return by_lower[value.lower()]

    def integer(self, name: str, default: Any = _MISSING, *, minimum: int | None = None) -> int:
        """An integer, also accepted as a decimal string (the seed's templates quote numbers)."""
        if not self.has(name) and default is not _MISSING:
            return default
        return as_int(self.get(name, default), self.key(name), minimum=minimum)

    def number(self, name: str, default: Any = _MISSING, *, minimum: float | None = None) -> float:
        if not self.has(name) and default is not _MISSING:
            return default
        value = self.get(name, default)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(self.key(name), f"must be a number, got {value!r}.") from None
        if minimum is not None and number < minimum:
            raise ConfigError(self.key(name), f"must be at least {minimum}, got {value!r}.")
        return number

    def boolean(self, name: str, default: Any = _MISSING) -> bool:
        if not self.has(name) and default is not _MISSING:
            return default
        value = self.get(name, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ConfigError(self.key(name), f"must be true or false, got {value!r}.")

    def list(self, name: str, default: Any = _MISSING) -> list:
        value = self.raw.get(name)
        if value is None:
            if default is _MISSING:
                raise ConfigError(self.key(name), "is required.", f"set {name!r} to a list in the job.")
            return default
        if not isinstance(value, list):
            raise ConfigError(self.key(name), f"must be a list, got {value!r}.")
        return value

    def mapping(self, name: str, default: Any = _MISSING) -> Mapping[str, Any]:
        value = self.raw.get(name)
        if value is None:
            if default is _MISSING:
                raise ConfigError(self.key(name), "is required.")
            return default
        if not isinstance(value, Mapping):
            raise ConfigError(self.key(name), f"must be an object, got {value!r}.")
        return value


def as_int(value: Any, key: str, *, minimum: int | None = None) -> int:
    if isinstance(value, bool):
        raise ConfigError(key, f"must be an integer, got {value!r}.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    else:
        raise ConfigError(key, f"must be an integer, got {value!r}.")
    if minimum is not None and number < minimum:
        raise ConfigError(key, f"must be at least {minimum}, got {value!r}.")
    return number


class JobKeys:
    """A plugin's parameter class that knows where the job holds it (``path``, e.g.
    ``configuration.writer.parameter``), so an error its reader or writer raises at run time names
    the key as the job spells it, and the operator finds the DAG param that set it."""

    path: str

    def key(self, name: str) -> str:
        return f"{self.path}.{name}"
