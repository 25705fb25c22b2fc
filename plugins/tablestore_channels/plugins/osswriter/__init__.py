"""OSSWriter: records into objects of an OSS bucket (CSV / text / Parquet), with a manifest."""
