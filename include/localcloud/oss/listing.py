"""Paging through sorted names with prefix, delimiter (common prefixes), marker and a page size,
the way OSS lists objects and multipart uploads. OSS sorts names by their UTF-8 bytes, which is
the code point order Python compares strings in."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[tuple[str, T]] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    last: str = ""   # the last name or common prefix returned: where the next page starts


def start_index(names: Sequence[str], prefix: str, marker: str) -> int:
    """Index of the first name after ``marker`` that can start with ``prefix``."""
    if marker >= prefix:
        return bisect.bisect_right(names, marker)
    return bisect.bisect_left(names, prefix)


def paginate(entries: Iterable[tuple[str, T]], prefix: str, delimiter: str, marker: str,
             limit: int) -> Page[T]:
    """One page from ``entries`` (sorted, positioned by :func:`start_index`). Names with the
    delimiter after the prefix roll up into one common prefix, which counts as one entry; a
    common prefix not after ``marker`` was returned on an earlier page."""
    page: Page[T] = Page()
    count = 0
    for name, item in entries:
        if not name.startswith(prefix):
            break
        common = None
        if delimiter:
            cut = name.find(delimiter, len(prefix))
            if cut >= 0:
                common = name[:cut + len(delimiter)]
                if common <= marker or (page.prefixes and page.prefixes[-1] == common):
                    continue
        if count == limit:
            page.truncated = limit > 0
            break
        count += 1
        if common is None:
            page.items.append((name, item))
            page.last = name
        else:
            page.prefixes.append(common)
            page.last = common
    return page
