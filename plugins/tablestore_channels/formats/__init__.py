"""File formats of the OSS channels: delimited text (csv, text) and Parquet.

Plain Python, shared by the OSS writer (export) and the OSS reader (restore).
"""

from tablestore_channels.formats.delimited import DelimitedFormat
from tablestore_channels.formats.parquet import ParquetRecordWriter, iter_parquet_records
from tablestore_channels.formats.values import parse_value

__all__ = ["DelimitedFormat", "ParquetRecordWriter", "iter_parquet_records", "parse_value"]
