"""OSSWriter parameters: every key, its default, and errors that name the key."""

from __future__ import annotations

import pytest

from tablestore_channels.errors import ConfigError
from tablestore_channels.plugins.osswriter.config import MB, OSSWriterConfig


def parse(**raw):
    return OSSWriterConfig.from_parameter({"object": "exports/t/", "writeMode": "truncate", **raw})


def fails(match: str, key: str, **raw) -> ConfigError:
    with pytest.raises(ConfigError, match=match) as raised:
        parse(**raw)
    assert raised.value.key == key
    return raised.value


def test_defaults_follow_datax():
    config = parse()
    assert (config.object, config.write_mode, config.file_format, config.field_delimiter, config.encoding) == (
        "exports/t/", "truncate", "text", ",", "UTF-8")
    assert (config.null_format, config.date_format, config.header, config.suffix) == (
        "null", "yyyy-MM-dd HH:mm:ss", None, "")
    assert (config.max_file_size, config.compress, config.bucket, config.datasource) == (
        100_000 * MB, "none", None, "oss_default")


def test_every_key():
    config = parse(writeMode="NONCONFLICT", fileFormat="CSV", fieldDelimiter="\t", encoding="GBK", nullFormat="",
                   dateFormat="yyyyMMdd", header=["a", "b"], suffix=".csv", maxFileSize="5", compress="gzip",
                   bucket="b2", datasource="oss_prod")
    assert (config.write_mode, config.file_format, config.field_delimiter, config.encoding) == (
        "nonConflict", "csv", "\t", "GBK")
    assert (config.null_format, config.date_format, config.header, config.suffix) == ("", "yyyyMMdd", ("a", "b"), ".csv")
    assert (config.max_file_size, config.compress, config.bucket, config.datasource) == (5 * MB, "gzip", "b2", "oss_prod")
    assert parse(fileFormat="parquet").file_format == "parquet" and parse(writeMode="append").write_mode == "append"


@pytest.mark.parametrize(("raw", "key", "match"), [
    ({"object": None}, "writer.parameter.object", "is required"),
    ({"object": "/exports"}, "writer.parameter.object", "must not start with '/'"),
    ({"writeMode": None}, "writer.parameter.writeMode", "is required"),
    ({"writeMode": "overwrite"}, "writer.parameter.writeMode", "use one of: truncate, append, nonConflict"),
    ({"fileFormat": "orc"}, "writer.parameter.fileFormat", "use one of: csv, text, parquet"),
    ({"compress": "zip"}, "writer.parameter.compress", "use one of: none, gzip"),
    ({"fileFormat": "parquet", "compress": "gzip"}, "writer.parameter.compress", "parquet compresses"),
    ({"header": "a,b"}, "writer.parameter.header", "must be a list"),
    ({"header": ["a", 1]}, "writer.parameter.header", "list of column names"),
    ({"maxFileSize": 0}, "writer.parameter.maxFileSize", "at least 1"),
    ({"maxFileSize": "1.5"}, "writer.parameter.maxFileSize", "must be an integer"),
    ({"nullFormat": 0}, "writer.parameter.nullFormat", "must be a string"),
    ({"fieldDelimiter": 9}, "writer.parameter.fieldDelimiter", "must be a string"),
    ({"fileFormat": "csv", "fieldDelimiter": "||"}, "writer.parameter.fieldDelimiter", "exactly one character"),
    ({"fileFormat": "text", "fieldDelimiter": "\n"}, "writer.parameter.fieldDelimiter", "no CR or LF"),
    ({"nullFormat": "a,b"}, "writer.parameter.nullFormat", "contains the field delimiter"),
    ({"encoding": "klingon"}, "writer.parameter.encoding", "unknown charset"),
    ({"encoding": "UTF-16"}, "writer.parameter.encoding", "line ends"),
    ({"encoding": "ascii", "nullFormat": "空"}, "writer.parameter.nullFormat", "cannot be written in ascii"),
    ({"dateFormat": "vvvv-MM-dd HH:mm:ss"}, "writer.parameter.dateFormat", "'v'"),
    ({"suffix": 1}, "writer.parameter.suffix", "must be a string"),
    ({"suffix": "_manifest.json"}, "writer.parameter.suffix", "ends like the writer's own manifest"),
    ({"suffix": ".csv_dirty.jsonl"}, "writer.parameter.suffix", "ends like the writer's own manifest"),
    ({"bucket": ["b"]}, "writer.parameter.bucket", "must be a string"),
    ({"path": "x"}, "writer.parameter.path", "unknown parameter"),
])
def test_bad_parameters_name_their_key(raw, key, match):
    error = fails(match, key, **raw)
    assert str(error).startswith(f"{key}: ")


def test_delimited_settings_are_checked_after_rendering_when_templated():
    config = parse(fieldDelimiter="{{ params.delimiter }}", fileFormat="csv")
    assert config.field_delimiter == "{{ params.delimiter }}"


def test_parquet_ignores_the_delimited_settings():
    assert parse(fileFormat="parquet", fieldDelimiter="||").file_format == "parquet"
