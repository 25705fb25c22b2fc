"""The channel operators' expected failures: one line, led by the param that set the job key."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from tablestore_channels.errors import ConfigError, ErrorLimitExceeded, PreconditionError
from tablestore_channels.operators.channel import ChannelPlanOperator

TEMPLATE = {"type": "job", "configuration": {
    "reader": {"plugin": "ots", "parameter": {"table": "{{ params.table }}", "column": "{{ params.columns }}",
                                             "range": {"begin": "{{ params['begin'] }}"}}},
    "writer": {"plugin": "oss", "parameter": {"object": "{{ params.prefix ~ params.table }}",
                                             "bucket": "{{ params.bucket or ('b-' ~ params.table) }}"}}}}
RENDERED = {"type": "job", "configuration": {
    "reader": {"plugin": "ots", "parameter": {"table": "t", "column": ["a"]}},
    "writer": {"plugin": "oss", "parameter": {"object": "p/", "writeMode": "truncate"}}}}


def _failure(error: Exception) -> str:
    operator = ChannelPlanOperator(task_id="plan", job=TEMPLATE)
    operator.job = RENDERED  # as rendering leaves it

    def fails(*_):
        raise error

    with pytest.raises(AirflowFailException) as failed:
        operator._run(fails)
    assert failed.value.__cause__ is None and failed.value.__suppress_context__  # no chained traceback
    return str(failed.value)


@pytest.mark.parametrize(("key", "where"), [
    ("configuration.reader.parameter.table", "param 'table' (configuration.reader.parameter.table)"),
    ("configuration.reader.parameter.column[2]", "param 'columns' (configuration.reader.parameter.column[2])"),
    ("configuration.reader.parameter.range.begin[0]", "param 'begin' (configuration.reader.parameter.range.begin[0])"),
    # two params make the prefix: the key is named as it is
    ("configuration.writer.parameter.object", "configuration.writer.parameter.object"),
    # one param with a default made of others: that param
    ("configuration.writer.parameter.bucket", "param 'bucket' (configuration.writer.parameter.bucket)"),
    ("configuration.writer.parameter.datasource", "configuration.writer.parameter.datasource"),
    # a writer's own check names its key without the job's top: the same param
    ("writer.parameter.bucket", "param 'bucket' (configuration.writer.parameter.bucket)"),
    ("reader.parameter.column[0]", "param 'columns' (configuration.reader.parameter.column[0])"),
    ("connection 'oss_default'", "connection 'oss_default'"),
])
def test_a_config_error_names_the_param_that_set_its_key(key, where):
    assert _failure(ConfigError(key, "is wrong.", "set it right.")) == f"ConfigError: {where}: is wrong. Fix: set it right."


def test_a_precondition_with_a_key_is_led_by_its_param_and_one_without_stays_as_it_is():
    keyed = PreconditionError("Tablestore table 't' does not exist. Fix: x.", key="configuration.reader.parameter.table")
    assert _failure(keyed) == ("PreconditionError: param 'table' (configuration.reader.parameter.table): "
                               "Tablestore table 't' does not exist. Fix: x.")
    assert _failure(ErrorLimitExceeded("3 dirty records")) == "ErrorLimitExceeded: 3 dirty records"
