"""Pure logic of the restore: OSSReader / OTSWriter parameters, record-to-row conversion, split
grouping, and the channel counting what a reader rejects."""

from __future__ import annotations

import math

import pytest

from tablestore_channels.channel.dirty import DirtyRecords
from tablestore_channels.channel.progress import Progress
from tablestore_channels.channel.throttle import ByteThrottle
from tablestore_channels.channel.transfer import transfer
from tablestore_channels.config.setting import ErrorLimit
from tablestore_channels.contract import Rejected
from tablestore_channels.errors import ConfigError, DirtyRecord, ErrorLimitExceeded
from tablestore_channels.plugins.ossreader.config import OSSReaderConfig, SourceColumn
from tablestore_channels.plugins.ossreader.reader import _balanced
from tablestore_channels.plugins.otswriter.config import OTSWriterConfig, TargetColumn
from tablestore_channels.plugins.otswriter.rows import RowConverter

WRITER = {"table": "t", "primaryKey": [{"name": "k", "type": "string"}, {"name": "n", "type": "INTEGER"}],
          "column": [{"name": "d", "type": "double"}, {"name": "f", "type": "boolean"}, {"name": "b", "type": "binary"},
                     {"name": "s", "type": "string"}]}


# --- OSSReader parameters -------------------------------------------------------------------------

def test_reader_columns_with_datax_type_names_and_constants():
    config = OSSReaderConfig.from_parameter({"object": "p/", "column": [
        {"index": 2, "type": "long"}, {"type": "bytes", "value": "AAE="}, {"index": 0, "type": "Boolean"},
        {"type": "bool", "value": True}]})
    assert config.objects == ("p/",)
    assert config.columns == (SourceColumn("int", index=2), SourceColumn("binary", constant=b"\x00\x01"),
                              SourceColumn("bool", index=0), SourceColumn("bool", constant=True))


@pytest.mark.parametrize("parameter, match", [
    ({}, r"object: give exactly one of 'object' and 'manifest'"),
    ({"object": "a/", "manifest": "a/m.json"}, "exactly one"),
    ({"object": "/a"}, "must not start with '/'"),
    ({"object": [1]}, "must be a prefix or key"),
    ({"object": "a/", "column": [{"index": 0}]}, r"column\[0\]: must be"),
    ({"object": "a/", "column": [{"index": 0, "type": "date"}]}, r"column\[0\].type: unknown column type 'date'"),
    ({"object": "a/", "column": [{"type": "int", "value": "x"}]}, r"column\[0\].value: 'x' is not an integer"),
    ({"object": "a/", "column": [{"index": -1, "type": "int"}]}, r"index: must be at least 0"),
    ({"object": "a/", "fileFormat": "orc"}, "unknown value 'orc'"),
    ({"object": "a/", "fileFormat": "parquet", "compress": "gzip"}, "parquet compresses"),
    ({"object": "a/", "header": True}, "unknown parameter"),
])
def test_reader_parameter_errors_name_the_key(parameter, match):
    with pytest.raises(ConfigError, match=match):
        OSSReaderConfig.from_parameter(parameter)


def test_reader_format_the_job_sets_wins_over_the_manifest_and_the_defaults():
    manifest_format = {"fileFormat": "text", "fieldDelimiter": "|", "encoding": "GBK", "nullFormat": "\\N",
                       "compress": "gzip", "header": True, "dateFormat": "yyyy", "columns": ["a"]}
    config = OSSReaderConfig.from_parameter({"manifest": "m.json", "nullFormat": "", "skipHeader": "false"})
    settings = config.format_for(manifest_format)
    assert (settings.file_format, settings.field_delimiter, settings.encoding, settings.null_format,
            settings.compress, settings.skip_header) == ("text", "|", "GBK", "", "gzip", False)
    plain = OSSReaderConfig.from_parameter({"object": ["a/", "b/*.csv"]}).format_for(None)
    assert (plain.file_format, plain.field_delimiter, plain.null_format, plain.compress, plain.skip_header) == \
        ("csv", ",", "null", None, False)


# --- OTSWriter parameters -------------------------------------------------------------------------

def test_writer_parameters_with_defaults():
    config = OTSWriterConfig.from_parameter({**WRITER, "writeMode": "updaterow", "batchWriteCount": "200"})
    assert config.primary_key == (TargetColumn("k", "STRING"), TargetColumn("n", "INTEGER"))
    assert config.names == ["k", "n", "d", "f", "b", "s"]
    assert (config.write_mode, config.batch_write_count, config.create_table_if_missing) == ("UpdateRow", 200, False)
    assert (config.max_retry_time, config.retry_pause_ms, config.datasource) == (18, 100, "tablestore_default")
    assert OTSWriterConfig.from_parameter(WRITER).batch_write_count == 100


@pytest.mark.parametrize("change, match", [
    ({"primaryKey": []}, "primaryKey: has 0 columns"),
    ({"primaryKey": [{"name": "k", "type": "double"}]}, r"primaryKey\[0\].type: DOUBLE cannot be a primary-key type"),
    ({"column": [{"name": "k", "type": "string"}]}, "names 'k' twice"),
    ({"column": [{"name": "x"}]}, r"column\[0\]: must be"),
    ({"column": [{"name": "x", "type": "date"}]}, r"column\[0\].type: unknown type 'date'"),
    ({"writeMode": "DeleteRow"}, "unknown value 'DeleteRow'"),
    ({"batchWriteCount": 201}, "at most 200 rows"),
    ({"endpoint": "http://x"}, "endpoint: credentials written into the job"),
    ({"createTableIfMissing": "yes"}, "must be true or false"),
])
def test_writer_parameter_errors_name_the_key(change, match):
    with pytest.raises(ConfigError, match=match):
        OTSWriterConfig.from_parameter({**WRITER, **change})


# --- records to rows ------------------------------------------------------------------------------

def _convert(record):
    return RowConverter(OTSWriterConfig.from_parameter(WRITER)).convert(record)


def test_typed_values_pass_unchanged_and_text_is_parsed_exactly():
    pk, attributes, size = _convert(("k", 5, 0.1, True, b"\x00", "x"))
    assert pk == [("k", "k"), ("n", 5)]
    assert attributes == [("d", 0.1), ("f", True), ("b", bytearray(b"\x00")), ("s", "x")]
    assert type(attributes[2][1]) is bytearray  # the SDK sends only bytearray as BINARY
    _, attributes, _ = _convert(("k", "-9223372036854775808", "5e-324", "TRUE", "AAE=", ""))
    assert attributes == [("d", 5e-324), ("f", True), ("b", bytearray(b"\x00\x01")), ("s", "")]
    assert _convert(("k", "1", "-0.0", None, None, None))[1] == [("d", -0.0)]
    assert math.copysign(1, _convert(("k", "1", "-0.0", None, None, None))[1][0][1]) == -1
    assert size > 0


def test_numbers_become_strings_and_exact_integers_doubles():
    _, attributes, _ = _convert(("k", 1, 3, None, None, 1.5))
    assert attributes == [("d", 3.0), ("s", "1.5")]


@pytest.mark.parametrize("record, column, match", [
    (("k", 1), None, "has 2 fields; the writer maps 6"),
    ((None, 1, None, None, None, None), 0, "primary-key column 'k' is null"),
    (("k", "1.5", None, None, None, None), 1, "column 'n': '1.5' is not an integer"),
    (("k", True, None, None, None, None), 1, "column 'n': a bool value True cannot become an INTEGER"),
    (("k", 2**63, None, None, None, None), 1, "outside the 64-bit integer range"),
    (("k", 1, 2**60 + 1, None, None, None), 2, "cannot become a DOUBLE exactly"),
    (("k", 1, None, "yes", None, None), 3, "'yes' is not a boolean"),
    (("k", 1, None, None, "not base64!", None), 4, "is not base64"),
    (("k", 1, None, None, None, b"x"), 5, "a bytes value cannot become a STRING"),
])
def test_values_that_would_change_are_dirty(record, column, match):
    with pytest.raises(DirtyRecord, match=match) as caught:
        _convert(record)
    assert caught.value.column == column


# --- splits and the channel -----------------------------------------------------------------------

def test_objects_are_grouped_into_splits_of_about_equal_size():
    objects = [{"key": f"k{i}", "bytes": size} for i, size in enumerate([100, 10, 60, 50, 40])]
    groups = _balanced(objects, 2)
    assert sorted(sum(o["bytes"] for o in g) for g in groups) == [120, 140]  # largest first, into the lightest
    assert all([o["key"] for o in g] == sorted(o["key"] for o in g) for g in groups)
    assert _balanced([], 1) == [[]]  # an empty export still runs through to its commit


class _Sink:
    def __init__(self):
        self.records, self.dirty_lines = [], []

    def write(self, record):
        self.records.append(record)
        return 1

    def write_dirty(self, line):
        self.dirty_lines.append(line)


def _transfer(records, limit):
    sink = _Sink()
    dirty = DirtyRecords(ErrorLimit(record=limit), sink.write_dirty, ["a", "b"], 0)
    stats = transfer(iter(records), sink, dirty, ByteThrottle(None), Progress("test"))
    return stats, sink


def test_records_a_reader_rejects_are_counted_and_the_rest_goes_on():
    stats, sink = _transfer([("1", "x"), Rejected(["2", "?"], "line 2: bad", 1), ("3", "y")], limit=1)
    assert (stats.read, stats.dirty, sink.records) == (3, 1, [("1", "x"), ("3", "y")])
    assert b'"reason": "line 2: bad", "column": "b"' in sink.dirty_lines[0]
    with pytest.raises(ErrorLimitExceeded):
        _transfer([Rejected([], "bad")], limit=0)
