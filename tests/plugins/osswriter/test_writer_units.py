"""The OSS split writer page by page writes the same objects as record by record: the same bytes,
ending after the same records at maxFileSize (plain, gzip, Parquet), the same dirty records."""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

import pytest

from tablestore_channels.channel.dirty import DirtyRecords
from tablestore_channels.channel.progress import Progress
from tablestore_channels.channel.throttle import ByteThrottle
from tablestore_channels.channel.transfer import transfer, transfer_pages
from tablestore_channels.config.setting import ErrorLimit
from tablestore_channels.formats.parquet import ParquetRecordWriter
from tablestore_channels.plugins.osswriter import writer as oss
from tablestore_channels.plugins.osswriter.config import OSSWriterConfig
from tablestore_channels.plugins.osswriter.writer import OSSWriter

COLUMNS = ["id", "n", "x", "ok", "raw", "note"]
RECORDS = [(f"dev-{i % 7}", i, i * 0.5 if i % 11 else math.nan, i % 3 == 0, bytes([i % 256]) * (i % 5),
            None if i % 13 == 0 else ("a, \"quoted\"\nnote" if i % 17 == 0 else f"note {i}"))
           for i in range(3000)]
RECORDS[1234] = (*RECORDS[1234][:5], dt.time(12))  # dirty in every format


class SmallRowGroups(ParquetRecordWriter):
    """Row groups of 400 records, so that a few thousand records make several objects."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, row_group_rows=400, **kwargs)


@pytest.fixture(autouse=True)
def small_row_groups(monkeypatch) -> None:
    monkeypatch.setattr(oss, "ParquetRecordWriter", SmallRowGroups)


class Bucket:
    """Keeps the parts of every upload; an object is its parts in order."""

    bucket_name = "units"

    def __init__(self) -> None:
        self.parts: dict[str, dict[int, bytes]] = {}

    def init_multipart_upload(self, key: str) -> SimpleNamespace:
        self.parts[key] = {}
        return SimpleNamespace(upload_id=key)

    def upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> SimpleNamespace:
        self.parts[key][number] = data
        return SimpleNamespace(etag=f"{key}#{number}")

    def put_object(self, key: str, data: bytes) -> None:
        self.parts[key] = {1: data}

    def objects(self) -> dict[str, bytes]:
        return {key: b"".join(parts[n] for n in sorted(parts)) for key, parts in self.parts.items()}


def export(config: OSSWriterConfig, page_size: int | None, kinds: list | None = None) -> tuple[dict, dict]:
    bucket = Bucket()
    sink = OSSWriter(bucket, config, "run").open_split(0, COLUMNS, {"column_types": kinds})
    dirty = DirtyRecords(ErrorLimit(record=1000), sink.write_dirty, COLUMNS, 0)
    if page_size is None:
        transfer(iter(RECORDS), sink, dirty, ByteThrottle(None), Progress("records"))
    else:
        pages = [RECORDS[i:i + page_size] for i in range(0, len(RECORDS), page_size)]
        transfer_pages(pages, sink, dirty, ByteThrottle(None), Progress("pages"))
    result = sink.close()
    return bucket.objects(), {k: v for k, v in result.items() if k != "objects"} | {
        "objects": [{k: v for k, v in o.items() if k not in ("upload_id", "etags")} for o in result["objects"]]}


@pytest.mark.parametrize("settings", [
    {"file_format": "csv"},
    {"file_format": "csv", "max_file_size": 9_000, "header": tuple(COLUMNS)},
    {"file_format": "text", "field_delimiter": "|", "max_file_size": 20_000},
    {"file_format": "csv", "compress": "gzip"},
    {"file_format": "csv", "compress": "gzip", "max_file_size": 3_000},
    {"file_format": "csv", "compress": "gzip", "max_file_size": 12_000},
    {"file_format": "parquet"},
    {"file_format": "parquet", "max_file_size": 1},
], ids=lambda s: "-".join(f"{v}" for k, v in s.items() if k != "header"))
@pytest.mark.parametrize("page_size", [1, 500, 5000])
def test_pages_write_the_objects_records_write(settings: dict, page_size: int) -> None:
    config = OSSWriterConfig(object="units/", write_mode="truncate", **settings)
    expected_objects, expected = export(config, None)
    objects, result = export(config, page_size)
    assert objects == expected_objects
    assert result == expected
    assert result["dirty"] >= 1
    if "max_file_size" in settings:
        assert len(result["objects"]) > 1


def test_parquet_pages_with_declared_types_write_the_objects_records_write() -> None:
    config = OSSWriterConfig(object="units/", write_mode="truncate", file_format="parquet", max_file_size=1)
    kinds = ["string", "int", "double", "bool", "binary", "string"]
    assert export(config, 700, kinds) == export(config, None, kinds)
