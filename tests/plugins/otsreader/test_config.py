"""OTSReader parameters: every key, its default, and errors that name the key."""

from __future__ import annotations

import pytest

from tablestore_channels.errors import ConfigError, PreconditionError
from tablestore_channels.ots_client.keys import INF_MAX, INF_MIN, OPEN_MAX, OPEN_MIN
from tablestore_channels.plugins.otsreader.config import Column, OTSReaderConfig

MIN, MAX = {"type": "INF_MIN"}, {"type": "INF_MAX"}


def s(value):
    return {"type": "string", "value": value}


def i(value):
    return {"type": "int", "value": value}


def parse(**raw):
    return OTSReaderConfig.from_parameter({"table": "t", **raw})


def fails(match: str, key: str | None = None, **raw) -> ConfigError:
    with pytest.raises(ConfigError, match=match) as raised:
        parse(**raw)
    if key is not None:
        assert raised.value.key == key
    return raised.value


def test_defaults():
    config = parse(column=["a"])
    assert (config.table, config.columns, config.begin, config.end, config.split) == (
        "t", (Column(name="a"),), (OPEN_MIN,), (OPEN_MAX,), ())
    assert (config.mode, config.time_range, config.max_version) == ("normal", None, None)
    assert (config.max_retry_time, config.retry_pause_ms, config.datasource) == (18, 100, "tablestore_default")
    assert config.forward


def test_table_is_required_and_unknown_keys_are_named():
    with pytest.raises(ConfigError, match=r"^reader\.parameter\.table: is required"):
        OTSReaderConfig.from_parameter({"column": []})
    error = fails("unknown parameter", key="reader.parameter.colum", colum=[])
    assert "Fix: remove it or use one of:" in str(error) and "column" in str(error)


def test_columns_by_name_and_constants_in_order():
    config = parse(column=[{"name": "a"}, "b", s("k"), i("-3"), {"type": "double", "value": "2.5"},
                           {"type": "bool", "value": "TRUE"}, {"type": "binary", "value": "AAE="}])
    assert config.columns == (Column(name="a"), Column(name="b"), Column(constant="k"), Column(constant=-3),
                              Column(constant=2.5), Column(constant=True), Column(constant=b"\x00\x01"))
    assert [c.is_constant for c in config.columns] == [False, False, True, True, True, True, True]


@pytest.mark.parametrize(("entry", "key", "match"), [
    ({"name": ""}, "reader.parameter.column[0].name", "non-empty string"),
    ({"name": "a", "type": "string"}, "reader.parameter.column[0]", "takes only 'name'"),
    ({"type": "date", "value": "x"}, "reader.parameter.column[0]", "constant"),
    ({"type": "int", "value": "1.5"}, "reader.parameter.column[0].value", "must be an integer"),
    ({"type": "double", "value": "x"}, "reader.parameter.column[0].value", "must be a number"),
    ({"type": "bool", "value": "yes"}, "reader.parameter.column[0].value", "true or false"),
    ({"type": "binary", "value": "%%"}, "reader.parameter.column[0].value", "must be base64"),
    (7, "reader.parameter.column[0]", "must be an object"),
])
def test_bad_columns_name_their_key(entry, key, match):
    fails(match, key=key, column=[entry])


def test_column_must_be_a_list():
    fails("must be a list", key="reader.parameter.column", column="a,b")


def test_range_bounds_of_every_type_and_prefixes():
    config = parse(column=["a"], range={"begin": [s("a"), i(3), {"type": "binary", "value": "AQ=="}],
                                        "end": [s("b")]})
    assert config.begin == ("a", 3, bytearray(b"\x01")) and config.end == ("b",) and config.forward
    assert parse(range={"begin": [MAX], "end": [MIN]}, column=["a"]).forward is False
    assert parse(range={"begin": [{"type": "Integer", "value": 5}], "end": [i(1)]}, column=["a"]).begin == (5,)


@pytest.mark.parametrize(("rng", "key", "match"), [
    ({"begin": [s("a")], "end": [s("a")]}, "reader.parameter.range.begin", "equals range.end"),
    ({"begin": [MIN] * 5}, "reader.parameter.range.begin", "at most 4"),
    ({"begin": [s("a")], "end": [i(1)]}, "reader.parameter.range.end[0]", "is INTEGER but begin"),
    ({"begin": [{"type": "float", "value": 1}]}, "reader.parameter.range.begin[0].type", "unknown type"),
    ({"end": [{"type": "string"}]}, "reader.parameter.range.end[0]", "needs a 'value'"),
    ({"begin": ["a"]}, "reader.parameter.range.begin[0]", "must be an object"),
    ({"begin": [{"type": "binary", "value": "***"}]}, "reader.parameter.range.begin[0].value", "base64"),
    ({"split": [MIN]}, "reader.parameter.range.split[0]", "concrete values"),
    ({"split": [s("b"), s("a")]}, "reader.parameter.range.split", "strictly increasing"),
    ({"split": [s("a"), s("a")]}, "reader.parameter.range.split", "strictly increasing"),
    ({"split": [s("a"), i(1)]}, "reader.parameter.range.split", "mixes types"),
    ({"begin": [s("a")], "end": [s("m")], "split": [i(1)]}, "reader.parameter.range.split", "share its type"),
    ({"begin": [s("b")], "end": [s("m")], "split": [s("z")]}, "reader.parameter.range.split", "strictly inside"),
    ({"begin": [s("b")], "end": [s("m")], "split": [s("b")]}, "reader.parameter.range.split", "strictly inside"),
    ({"begin": [s("m")], "end": [s("b")], "split": [s("c"), s("k")]}, "reader.parameter.range.split",
     "decreasing for a backward range"),
    ({"start": []}, "reader.parameter.range.start", "unknown parameter"),
])
def test_bad_ranges_name_their_key(rng, key, match):
    fails(match, key=key, column=["a"], range=rng)


def test_split_points_inside_a_backward_range():
    config = parse(column=["a"], range={"begin": [s("m")], "end": [s("b")], "split": [s("k"), s("c")]})
    assert config.split == ("k", "c") and not config.forward


def test_resolve_range_pads_prefixes_for_the_direction():
    schema = [("a", "STRING"), ("b", "INTEGER"), ("c", "BINARY")]
    assert parse(column=["a"], range={"begin": [s("x")], "end": [s("y"), i(2)]}).resolve_range(schema) == (
        ["x", INF_MIN, INF_MIN], ["y", 2, INF_MAX])
    assert parse(column=["a"], range={"begin": [s("y")], "end": [s("x")]}).resolve_range(schema) == (
        ["y", INF_MAX, INF_MAX], ["x", INF_MIN, INF_MIN])


def test_open_bounds_are_the_sdks_once_resolved():
    # a job is validated without the SDK; the SDK tells its INF_MIN / INF_MAX by identity
    config = parse(column=["a"], range={"begin": [MIN], "end": [s("x"), MAX]})
    assert config.begin == (OPEN_MIN,) and config.end == ("x", OPEN_MAX) and config.forward
    start, end = config.resolve_range([("a", "STRING"), ("b", "INTEGER")])
    assert start[0] is INF_MIN and start[1] is INF_MIN and end[0] == "x" and end[1] is INF_MAX


@pytest.mark.parametrize(("rng", "match"), [
    ({"begin": [i(1)]}, r"range\.begin\[0\] is INTEGER but primary-key column 'a' of table 't' is STRING"),
    ({"end": [s("x"), s("y")]}, r"range\.end\[1\] is STRING but primary-key column 'b'"),
    ({"begin": [s("a"), i(1), MIN]}, r"range\.begin has 3 entries but table 't' has 2 primary-key columns"),
    ({"split": [i(5)]}, r"range\.split\[0\] is INTEGER"),
])
def test_resolve_range_checks_the_table_schema(rng, match):
    with pytest.raises(PreconditionError, match=match):
        parse(column=["a"], range=rng).resolve_range([("a", "STRING"), ("b", "INTEGER")])


def test_multi_version_mode_time_range_and_max_version():
    config = parse(mode="multiversion", timeRange={"begin": "10", "end": 20}, maxVersion="3")
    assert (config.mode, config.time_range, config.max_version, config.columns) == ("multiVersion", (10, 20), 3, ())
    assert parse(mode="multiVersion", timeRange={"end": 5}).time_range == (0, 5)
    assert parse(mode="multiVersion", timeRange={"begin": 5}).time_range == (5, 2**63 - 1)


@pytest.mark.parametrize(("raw", "key", "match"), [
    ({"mode": "single"}, "reader.parameter.mode", "unknown value 'single'"),
    ({"timeRange": {"begin": 1, "end": 2}}, "reader.parameter.timeRange", "multiVersion only"),
    ({"maxVersion": 2}, "reader.parameter.maxVersion", "multiVersion only"),
    ({"mode": "multiVersion", "maxVersion": 0}, "reader.parameter.maxVersion", "at least 1"),
    ({"mode": "multiVersion", "timeRange": {"begin": 5, "end": 5}}, "reader.parameter.timeRange", "before end"),
    ({"mode": "multiVersion", "timeRange": {"begin": -1}}, "reader.parameter.timeRange.begin", "at least 0"),
    ({"mode": "multiVersion", "timeRange": {"from": 1}}, "reader.parameter.timeRange.from", "unknown"),
    ({"mode": "multiVersion", "column": [s("k")]}, "reader.parameter.column[0]", "not allowed in mode multiVersion"),
    ({"maxRetryTime": -1}, "reader.parameter.maxRetryTime", "at least 0"),
    ({"retryPauseInMillisecond": "soon"}, "reader.parameter.retryPauseInMillisecond", "must be an integer"),
    ({"datasource": 5}, "reader.parameter.datasource", "must be a string"),
])
def test_bad_mode_settings_name_their_key(raw, key, match):
    fails(match, key=key, **raw)


def test_retry_settings_and_datasource():
    config = parse(column=["a"], maxRetryTime="3", retryPauseInMillisecond=20, datasource="ots_prod")
    assert (config.max_retry_time, config.retry_pause_ms, config.datasource) == (3, 20, "ots_prod")


def test_inline_credentials_are_refused_naming_the_connection_without_showing_the_secret():
    error = fails("credentials written into the job", key="reader.parameter.endpoint", column=["a"],
                  endpoint="https://i.cn-hangzhou.ots.aliyuncs.com", instanceName="i", accessId="AKID",
                  accessKey="top-secret")
    assert "set 'datasource' to an Airflow connection of type tablestore" in str(error)
    assert "top-secret" not in str(error) and "AKID" not in str(error)
    fails(r"credentials written into the job \(accessKey\)", key="reader.parameter.accessKey", column=["a"],
          accessKey="top-secret")
