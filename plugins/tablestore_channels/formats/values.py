"""The text form of typed values in delimited files, and its exact inverse.

Rendering: ``true``/``false``; integers in decimal; doubles as the shortest text that reads back
to the same bits (``NaN``, ``Infinity``, ``-Infinity`` as Java writes them); binary as standard
base64 with padding. :func:`parse_value` accepts exactly that syntax (plus the Java spellings of
doubles such as ``1.0E16`` and any letter case of ``true``/``false``) and raises
:class:`DirtyRecord` on anything else, instead of guessing.

:func:`render_floats` and :func:`render_binaries` render a whole column of non-null values the
same way, in a few C-level calls instead of one Python call per value.
"""

from __future__ import annotations

import binascii
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from tablestore_channels.errors import ConfigError, DirtyRecord

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_FLOAT_SPECIALS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
_FLOAT_WORDS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
# ASCII digits only: int()/float() would also take spaces, underscores and non-ASCII digits.
_INT_SYNTAX = re.compile(r"[+-]?[0-9]+")
_FLOAT_SYNTAX = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def render_bool(value: bool) -> str:
    """``true`` or ``false``."""
    return "true" if value else "false"


def render_float(value: float) -> str:
    """The shortest text that parses back to the same double."""
    text = float.__repr__(value)  # float's own repr also for subclasses such as numpy.float64
    return _FLOAT_SPECIALS.get(text, text)


def render_binary(value: bytes | bytearray | memoryview) -> str:
    """Standard base64 with padding, no line breaks."""
    return binascii.b2a_base64(value, newline=False).decode("ascii")


def render_floats(values: Sequence[float]) -> list[str]:
    """:func:`render_float` of each value."""
    texts = list(map(float.__repr__, values))
    if "nan" in texts or "inf" in texts or "-inf" in texts:
        texts = [_FLOAT_SPECIALS.get(text, text) for text in texts]
    return texts


def render_binaries(values: Sequence[bytes | bytearray | memoryview]) -> list[str]:
    """:func:`render_binary` of each value."""
    # base64 text never holds a line break: the one b2a_base64 ends each value with separates them
    return b"".join(map(binascii.b2a_base64, values)).decode("ascii").split("\n")[:-1]


def _parse_int(text: str) -> int:
    if not _INT_SYNTAX.fullmatch(text):
        raise DirtyRecord(f"{text!r} is not an integer")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise DirtyRecord(f"{text} is outside the 64-bit integer range")
    return value


def _parse_double(text: str) -> float:
    word = _FLOAT_WORDS.get(text)
    if word is not None:
        return word
    if not _FLOAT_SYNTAX.fullmatch(text):
        raise DirtyRecord(f"{text!r} is not a double")
    value = float(text)
    if math.isinf(value):
        raise DirtyRecord(f"{text} is outside the double range")
    return value


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise DirtyRecord(f"{text!r} is not a boolean (true or false)")


def _parse_binary(text: str) -> bytes:
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError) as error:
        raise DirtyRecord(f"{text[:40]!r} is not base64: {error}") from None


_PARSERS: dict[str, Callable[[str], Any]] = {
    "string": str,
    "int": _parse_int,
    "double": _parse_double,
    "bool": _parse_bool,
    "binary": _parse_binary,
}


def parse_value(text: str | None, type_name: str) -> Any:
    """Convert a field read from a delimited file to ``type_name``; ``None`` (null) stays ``None``.

    :param type_name: ``string``, ``int``, ``double``, ``bool`` or ``binary`` (base64), as in the
        DataX column types.
    :raises DirtyRecord: when ``text`` is not a value of that type.
    :raises ConfigError: (key ``type``) for an unknown type name.
    """
    parser = _PARSERS.get(type_name)
    if parser is None:
        raise ConfigError("type", f"unknown column type {type_name!r}.", f"use one of {', '.join(_PARSERS)}.")
    return None if text is None else parser(text)
