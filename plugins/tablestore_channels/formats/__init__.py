"""File formats of the OSS channels: delimited text (csv, text) and Parquet, and the export
manifest. Plain Python, shared by the OSS writer (export) and the OSS reader (restore)."""

FILE_FORMATS = ("csv", "text", "parquet")
COMPRESSIONS = ("none", "gzip")
