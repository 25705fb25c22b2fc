"""The state the OSS server keeps: buckets, objects, multipart uploads and their parts.

Plain records, no wire format; the operations on them live beside: :mod:`localcloud.oss.store`
(buckets and objects, saved as JSON sidecars), :mod:`localcloud.oss.multipart` (uploads and
parts), :mod:`localcloud.oss.blobs` (the bytes). An object's bytes are a list of immutable
segment files: one for a PUT, one per part for a multipart object (completing links the part
files instead of copying them), one per append (merged when they grow numerous).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

NORMAL, APPENDABLE, MULTIPART = "Normal", "Appendable", "Multipart"
STORAGE_CLASS = "Standard"
STORAGE_CLASSES = ("Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive")
# Classes whose objects OSS serves only after a restore.
ARCHIVED = frozenset({"Archive", "ColdArchive", "DeepColdArchive"})


@dataclass
class Bucket:
    name: str
    created: float
    storage_class: str = STORAGE_CLASS


@dataclass(frozen=True)
class Attributes:
    """What a writer sets on an object besides its bytes."""

    content_type: str = "application/octet-stream"
    http_headers: dict[str, str] = field(default_factory=dict)  # Cache-Control, Content-Disposition, ...
    user_meta: dict[str, str] = field(default_factory=dict)     # x-oss-meta-* (lower-case names)
    storage_class: str = STORAGE_CLASS
    acl: str = "default"                                        # "default": the bucket's
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Segment:
    file: str   # name inside the object's folder
    size: int


@dataclass
class ObjectMeta:
    key: str
    size: int
    etag: str          # upper-case hex, unquoted; "<hex>-<parts>" for multipart objects
    crc64: int
    last_modified: float
    object_type: str
    attributes: Attributes
    segments: list[Segment]
    content_md5: str | None = None   # base64, for objects written in one piece
    upload_id: str | None = None     # the upload a multipart object was completed from

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ObjectMeta:
        data = dict(data)
        data["attributes"] = Attributes(**data["attributes"])
        data["segments"] = [Segment(**s) for s in data["segments"]]
        return cls(**data)


def slices(meta: ObjectMeta, start: int, end: int) -> list[tuple[int, int, int]]:
    """(segment index, offset, count) covering bytes ``start``..``end`` of the object."""
    out, base = [], 0
    for index, segment in enumerate(meta.segments):
        lo, hi = max(start, base), min(end + 1, base + segment.size)
        if lo < hi:
            out.append((index, lo - base, hi - lo))
        base += segment.size
    return out


@dataclass
class Upload:
    upload_id: str
    bucket: str
    key: str
    initiated: float
    attributes: Attributes

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Upload:
        return cls(**{**data, "attributes": Attributes(**data["attributes"])})


@dataclass(frozen=True)
class Part:
    number: int
    size: int
    etag: str
    crc64: int
    last_modified: float
    file: str   # name inside the upload's folder

    def to_json(self) -> dict:
        return dataclasses.asdict(self)
