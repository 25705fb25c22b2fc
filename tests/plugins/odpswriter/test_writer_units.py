"""ODPSWriter pieces without servers: parameters and the conversion of record values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from odps import types as odps_types

from tablestore_channels.errors import ConfigError, DirtyRecord
from tablestore_channels.plugins.odpswriter.config import MB, ODPSWriterConfig
from tablestore_channels.plugins.odpswriter.values import RecordConverter, UnsupportedType, converter_for

UTC = dt.UTC


def convert(type_name: str, value):
    return converter_for(odps_types.validate_data_type(type_name))(value)


# --- parameters ------------------------------------------------------------------------------------
def test_defaults_and_both_partition_separators():
    config = ODPSWriterConfig.from_parameter({"table": "t", "column": ["*"], "truncate": False,
                                              "partition": "pt='20240101'/Region=hz"})
    assert config.columns is None and config.datasource == "maxcompute_default"
    assert config.block_size == 64 * MB and not config.empty_as_null
    assert config.partition == (("pt", "20240101"), ("region", "hz"))
    assert config.partition_text == "pt=20240101,region=hz"


def test_every_parameter():
    config = ODPSWriterConfig.from_parameter({
        "datasource": "mc", "table": "t", "column": ["A", "b"], "partition": "pt=1,region=hz", "truncate": "true",
        "emptyAsNull": True, "blockSizeInMB": "8", "consistencyCommit": True})
    assert (config.datasource, config.columns, config.truncate, config.empty_as_null, config.block_size) == (
        "mc", ("a", "b"), True, True, 8 * MB)


def test_a_templated_partition_is_checked_once_rendered():
    config = ODPSWriterConfig.from_parameter({"table": "t", "column": ["*"], "truncate": True,
                                              "partition": "pt={{ macros.ds_format(ds, '%Y-%m-%d', '%Y%m%d') }}"})
    assert isinstance(config.partition, str)


@pytest.mark.parametrize("raw, key", [
    ({"table": "t", "column": ["*"]}, "truncate"),
    ({"column": ["*"], "truncate": True}, "table"),
    ({"table": "t", "truncate": True}, "column"),
    ({"table": "t", "column": [], "truncate": True}, "column"),
    ({"table": "t", "column": ["a", "A"], "truncate": True}, "column"),
    ({"table": "t", "column": ["*"], "truncate": "maybe"}, "truncate"),
    ({"table": "t", "column": ["*"], "truncate": True, "partition": "pt"}, "partition"),
    ({"table": "t", "column": ["*"], "truncate": True, "partition": "pt=1,pt=2"}, "partition"),
    ({"table": "t", "column": ["*"], "truncate": True, "partition": "pt=a=b"}, "partition"),
    ({"table": "t", "column": ["*"], "truncate": True, "blockSizeInMB": 0}, "blockSizeInMB"),
    ({"table": "t", "column": ["*"], "truncate": True, "writeMode": "append"}, "writeMode"),
])
def test_invalid_parameters_name_their_key(raw, key):
    with pytest.raises(ConfigError, match=rf"writer\.parameter\.{key}"):
        ODPSWriterConfig.from_parameter(raw)


# --- values that convert -------------------------------------------------------------------------
@pytest.mark.parametrize("type_name, value, expected", [
    ("bigint", 2**63 - 1, 2**63 - 1), ("bigint", True, 1), ("bigint", 3.0, 3), ("bigint", " -12 ", -12),
    ("bigint", "1e3", 1000), ("bigint", Decimal("7.00"), 7), ("int", -(2**31), -(2**31)),
    ("smallint", 32767, 32767), ("tinyint", -128, -128),
    ("double", 1.25, 1.25), ("double", 2**53, float(2**53)), ("double", "1e-3", 0.001),
    ("double", "nan", None), ("float", 1.5, 1.5),
    ("boolean", True, True), ("boolean", 0, False), ("boolean", " TRUE ", True),
    ("string", "ä", "ä"), ("string", b"abc", "abc"), ("string", 12, "12"), ("string", 0.1, "0.1"),
    ("string", False, "false"), ("varchar(3)", "abc", "abc"), ("char(2)", "é", "é"),
    ("binary", bytearray(b"\x00\x01"), b"\x00\x01"), ("binary", "é", "é".encode()),
    ("datetime", 1_700_000_000_123, dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)),
    ("datetime", "2024-01-31 12:00:00.500", dt.datetime(2024, 1, 31, 12, 0, 0, 500000)),
    ("datetime", dt.date(2024, 1, 31), dt.datetime(2024, 1, 31)),
    ("date", "2024-02-29", dt.date(2024, 2, 29)), ("date", dt.datetime(2024, 2, 29), dt.date(2024, 2, 29)),
    ("decimal(10,2)", "12345678.90", Decimal("12345678.90")), ("decimal(10,2)", -0.5, Decimal("-0.5")),
    ("decimal(10,2)", 7, Decimal(7)), ("decimal(10,2)", "1.500", Decimal("1.5")), ("decimal", "0.1", Decimal("0.1")),
])
def test_values_that_convert_exactly(type_name, value, expected):
    result = convert(type_name, value)
    if expected is None:
        assert result != result  # NaN stays NaN
    else:
        assert result == expected and type(result) is type(expected)


# --- values that do not --------------------------------------------------------------------------
@pytest.mark.parametrize("type_name, value, reason", [
    ("bigint", "abc", "not a number"), ("bigint", 1.5, "whole number"), ("bigint", "2.5", "whole number"),
    ("bigint", 2**63, "out of range"), ("bigint", "1e999999999", "out of range"), ("int", 2**31, "out of range"),
    ("smallint", -32769, "out of range"), ("tinyint", 128, "out of range"), ("bigint", b"1", "not an integer"),
    ("double", True, "not a number"), ("double", 2**53 + 1, "no exact DOUBLE"), ("double", "one", "not a number"),
    ("float", 1e39, "FLOAT range"), ("boolean", 2, "not a boolean"), ("boolean", "yes", "not a boolean"),
    ("string", b"\xff", "not UTF-8"), ("varchar(3)", "abcd", "more than 3"), ("char(2)", "abc", "more than 2"),
    ("binary", 5, "not binary"), ("datetime", "31/01/2024", "not a date-time"),
    ("datetime", dt.datetime(2024, 1, 1, 0, 0, 0, 1), "below the millisecond"), ("datetime", 10**18, "out of"),
    ("date", "2024-02-30", "not a date"), ("date", dt.datetime(2024, 1, 1, 1), "time of day"),
    ("date", 20240101, "not a date"), ("decimal(10,2)", "1.005", "more than 2 digits after"),
    ("decimal(10,2)", 123456789, "more than 8 digits before"), ("decimal(10,2)", "inf", "not a finite"),
    ("decimal(10,2)", True, "not a number"), ("decimal(10,2)", "x", "not a number"),
])
def test_values_that_do_not_convert_say_why(type_name, value, reason):
    with pytest.raises(ValueError, match=reason):
        convert(type_name, value)


@pytest.mark.parametrize("type_name", ["timestamp", "array<bigint>", "json", "map<string,string>"])
def test_types_records_cannot_reach_are_refused(type_name):
    with pytest.raises(UnsupportedType, match=type_name.split("<")[0]):
        converter_for(odps_types.validate_data_type(type_name))


# --- whole records -------------------------------------------------------------------------------
def _converter(empty_as_null: bool = False) -> RecordConverter:
    types = [odps_types.validate_data_type(t) for t in ("bigint", "string", "double")]
    return RecordConverter(types, positions=[2, 0, 3], nullable=[True, True, False], names=["a", "b", "c"],
                           empty_as_null=empty_as_null)


def test_a_record_fills_its_columns_and_leaves_the_rest_null():
    row = [None] * 5
    _converter().fill(("7", "", 1), row)
    assert row == ["", None, 7, 1.0, None]
    _converter(empty_as_null=True).fill((None, "", 2.5), row)
    assert row == [None, None, None, 2.5, None]


@pytest.mark.parametrize("record, column, reason", [
    (("x", "s", 1.0), 0, "column 'a' \\(bigint\\)"),
    ((1, "s", None), 2, "NOT NULL"),
    ((1, "s", ""), 2, "not a number"),
    ((1, "s"), None, "2 values"),
])
def test_a_bad_value_makes_the_record_dirty_naming_its_column(record, column, reason):
    with pytest.raises(DirtyRecord, match=reason) as caught:
        _converter().fill(record, [None] * 5)
    assert caught.value.column == column
