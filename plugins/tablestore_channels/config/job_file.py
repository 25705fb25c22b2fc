"""Job files as users paste them from the Data Integration docs.

The documentation's templates carry ``#`` annotations and trailing commas; both are removed
outside strings before the JSON is parsed. Its ``${variables}`` are left as they are here: the
job's DAG turns them into templates (:mod:`tablestore_channels.authoring.job_files`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tablestore_channels.errors import ConfigError


def strip_annotations(text: str) -> str:
    """Remove ``#`` comments and trailing commas that stand outside JSON strings."""
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif ch == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif ch in "}]":
            # drop a comma left dangling before this closer (whitespace may stand between)
            j = len(out) - 1
            while j >= 0 and out[j] in " \t\r\n":
                j -= 1
            if j >= 0 and out[j] == ",":
                del out[j]
            out.append(ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def parse_job_text(text: str, source: str) -> dict[str, Any]:
    """Parse a job file's text; a syntax error names the file, line and column."""
    try:
        data = json.loads(strip_annotations(text))
    except json.JSONDecodeError as error:
        # line numbers survive: comments are removed up to, not including, their newline
        raise ConfigError(source, f"is not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}.",
                          "check the brackets and commas around that place.") from None
    if not isinstance(data, dict):
        raise ConfigError(source, "must hold a JSON object (the job).")
    return data


def load_job_file(path: Path) -> dict[str, Any]:
    return parse_job_text(path.read_text(encoding="utf-8"), str(path))
