"""The point-in-time reader's moment: ISO 8601 with an offset, to the microsecond, or latest."""

from __future__ import annotations

import pytest

from tablestore_channels.errors import ConfigError
from tablestore_channels.plugins.pointintimereader.config import PointInTimeReaderConfig, iso_moment


def config(moment: str) -> PointInTimeReaderConfig:
    return PointInTimeReaderConfig.from_parameter({"table": "t", "exportPrefix": "e/", "streamPrefix": "s/",
                                                   "pointInTime": moment})


def test_a_moment_with_an_offset_is_read_to_the_microsecond_and_written_back_the_same():
    point = config("2026-03-01T09:30:00.000001+08:00").point_us
    assert point == 1_772_328_600_000_001
    assert iso_moment(point) == "2026-03-01T01:30:00.000001+00:00"
    assert config(iso_moment(point)).point_us == point


@pytest.mark.parametrize("text", ["latest", " Latest "])
def test_latest_leaves_the_moment_to_the_plan(text):
    assert config(text).point_us is None


@pytest.mark.parametrize(("text", "problem"), [("yesterday", "is not an ISO 8601 time"),
                                               ("2026-03-01T09:30:00", "has no UTC offset")])
def test_a_bad_moment_names_the_key_and_the_forms_it_takes(text, problem):
    with pytest.raises(ConfigError, match=problem) as error:
        config(text)
    assert error.value.key == "reader.parameter.pointInTime"
    if problem.startswith("is not"):
        assert "latest" in str(error.value)
