"""OSSReader: objects of an OSS bucket (CSV / text / Parquet, and this project's exports) as records."""
