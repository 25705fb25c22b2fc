"""Java ``SimpleDateFormat`` patterns (DataX's ``dateFormat``) compiled once into a Python formatter.

The pattern becomes a ``str.format`` template over a fixed tuple of date parts, so rendering a
value is one tuple build and one ``format`` call. Only the letters whose meaning is the same in
``SimpleDateFormat`` and ``DateTimeFormatter`` are accepted; anything else is refused rather than
rendered differently from the Java tools.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from tablestore_channels.errors import ConfigError

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Positions in the tuple built by ``_parts``.
_YEAR, _YEAR2, _MONTH, _MONTH_ABBR, _MONTH_NAME, _DAY, _HOUR, _HOUR12, _MINUTE, _SECOND, _MILLI, \
    _AMPM, _WEEKDAY_ABBR, _WEEKDAY_NAME, _HOUR_K, _HOUR_k, _DAY_OF_YEAR = range(17)

# Numeric letters: the count is the minimum number of digits, as in Java.
_NUMERIC = {"d": _DAY, "H": _HOUR, "h": _HOUR12, "K": _HOUR_K, "k": _HOUR_k, "m": _MINUTE,
            "s": _SECOND, "D": _DAY_OF_YEAR}
_SUPPORTED = "y M d H h K k m s SSS a E D"


def _parts(value: dt.date) -> tuple:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    hour = value.hour
    weekday = value.weekday()
    return (value.year, value.year % 100, value.month, _MONTHS[value.month - 1][:3],
            _MONTHS[value.month - 1], value.day, hour, (hour % 12) or 12, value.minute, value.second,
            value.microsecond // 1000, "AM" if hour < 12 else "PM", _WEEKDAYS[weekday][:3],
            _WEEKDAYS[weekday], hour % 12, hour or 24, value.timetuple().tm_yday)


def _field(letter: str, count: int, pattern: str) -> str:
    if letter == "y":
        return f"{{{_YEAR2}:02d}}" if count == 2 else f"{{{_YEAR}:0{count}d}}"
    if letter == "M":
        if count >= 4:
            return f"{{{_MONTH_NAME}}}"
        return f"{{{_MONTH_ABBR}}}" if count == 3 else f"{{{_MONTH}:0{count}d}}"
    if letter == "E":
        return f"{{{_WEEKDAY_NAME}}}" if count >= 4 else f"{{{_WEEKDAY_ABBR}}}"
    if letter == "a":
        return f"{{{_AMPM}}}"
    if letter == "S":
        # SimpleDateFormat reads S as a millisecond count, DateTimeFormatter as a fraction; only
        # SSS means the same in both.
        if count != 3:
            raise ConfigError("dateFormat", f"{'S' * count!r} in {pattern!r} is ambiguous between Java "
                              "formatters.", "write milliseconds as SSS.")
        return f"{{{_MILLI}:03d}}"
    if letter in _NUMERIC:
        return f"{{{_NUMERIC[letter]}:0{count}d}}"
    raise ConfigError("dateFormat", f"pattern letter {letter!r} in {pattern!r} is not supported.",
                      f"use the letters {_SUPPORTED} (e.g. yyyy-MM-dd HH:mm:ss) and quote literal "
                      "text as 'text'.")


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def compile_java_date_pattern(pattern: str) -> Callable[[dt.date], str]:
    """Return a function rendering a ``date``/``datetime`` as Java renders it with ``pattern``.

    A ``date`` renders as its midnight; an aware ``datetime`` in its own offset.

    :raises ConfigError: (key ``dateFormat``) for an empty pattern, an unsupported letter or an
        unclosed quote.
    """
    if not pattern:
        raise ConfigError("dateFormat", "the pattern is empty.", "use e.g. yyyy-MM-dd HH:mm:ss.")
    template: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            if pattern.startswith("''", i):  # '' is one literal quote, inside or outside quotes
                template.append("'")
                i += 2
                continue
            text: list[str] = []
            i += 1
            while True:
                end = pattern.find("'", i)
                if end < 0:
                    raise ConfigError("dateFormat", f"unclosed quote in {pattern!r}.",
                                      "close quoted text with ' and write a literal quote as ''.")
                text.append(pattern[i:end])
                if not pattern.startswith("''", end):
                    break
                text.append("'")
                i = end + 2
            template.append(_literal("".join(text)))
            i = end + 1
        elif "a" <= char.lower() <= "z":
            count = 1
            while i + count < len(pattern) and pattern[i + count] == char:
                count += 1
            template.append(_field(char, count, pattern))
            i += count
        else:
            template.append(_literal(char))
            i += 1
    render = "".join(template).format
    return lambda value: render(*_parts(value))
