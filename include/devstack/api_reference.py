"""The parameter reference of docs/python-api.md, generated from the typed classes (their fields'
types, defaults and descriptions): ``python -m devstack.api_reference`` rewrites it, and a test
fails when it is stale."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic.fields import PydanticUndefined

from tablestore_channels.api.arguments import describe_type
from tablestore_channels.api.readers import OSSReader, OTSReader, OTSStreamReader
from tablestore_channels.api.setting import Setting
from tablestore_channels.api.writers import ODPSWriter, OSSWriter, OTSWriter

DOC = Path(__file__).resolve().parents[2] / "docs" / "python-api.md"
START, END = "<!-- reference:start (generated: python -m devstack.api_reference) -->", "<!-- reference:end -->"
CLASSES = (OTSReader, OTSStreamReader, OSSReader, OSSWriter, ODPSWriter, OTSWriter, Setting)


def _default(field: Any) -> str:
    if field.default is PydanticUndefined:
        return "**required**"
    return f"`{field.default!r}`"


def reference() -> str:
    """The reference: one table per class, one row per argument."""
    parts = []
    for cls in CLASSES:
        doc = " ".join((cls.__doc__ or "").split())
        parts.append(f"### `{cls.__name__}`\n\n{doc}\n\n| argument | type | default | what it does |\n|---|---|---|---|")
        for name, field in cls.model_fields.items():
            text = (field.description or "").replace("|", "\\|")
            parts.append(f"| `{name}` | {describe_type(field.annotation).replace('|', '/')} | {_default(field)} | {text} |")
        parts.append("")
    return "\n".join(parts)


def rendered(document: str) -> str:
    """``document`` with the generated part replaced by the current reference."""
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    return pattern.sub(lambda _: f"{START}\n\n{reference()}\n{END}", document)


if __name__ == "__main__":
    DOC.write_text(rendered(DOC.read_text()))
    print(f"wrote {DOC}")
