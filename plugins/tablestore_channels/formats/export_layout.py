"""Where an OSS export's objects go and what its manifest holds: written by the OSS writer,
read by the OSS reader (a restore) and by anything that finds exports by their manifests.

Object names are deterministic per (run, split, part)::

    <object>[_]<run_key>_<split:05d>_<part:05d><suffix>[.gz]     data
    <object>[_]<run_key>_<split:05d>_dirty.jsonl                 dirty records of a split
    <object>[_]<run_key>_manifest.json                           the commit point

(``_`` is added when ``object`` does not end with ``/``).
"""

from __future__ import annotations

from dataclasses import dataclass

MANIFEST_VERSION = 1
MANIFEST_SUFFIX = "_manifest.json"
DIRTY_SUFFIX = "_dirty.jsonl"
# What the writer puts beside the data: never data to restore.
BOOKKEEPING_SUFFIXES = (MANIFEST_SUFFIX, DIRTY_SUFFIX)


@dataclass(frozen=True)
class ObjectLayout:
    """The object names of one run."""

    prefix: str
    run_key: str
    suffix: str

    @property
    def run_prefix(self) -> str:
        base = self.prefix if self.prefix.endswith("/") else f"{self.prefix}_"
        return f"{base}{self.run_key}_"

    def data_key(self, split: int, part: int) -> str:
        return f"{self.run_prefix}{split:05d}_{part:05d}{self.suffix}"

    def dirty_key(self, split: int) -> str:
        return f"{self.run_prefix}{split:05d}{DIRTY_SUFFIX}"

    @property
    def manifest_key(self) -> str:
        return f"{self.run_prefix}{MANIFEST_SUFFIX[1:]}"
