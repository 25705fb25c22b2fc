"""Java SimpleDateFormat patterns (``dateFormat``) rendered as the Java tools render them."""

from __future__ import annotations

import datetime as dt

import pytest

from tablestore_channels.errors import ConfigError
from tablestore_channels.formats.java_date import compile_java_date_pattern

MOMENT = dt.datetime(2020, 10, 5, 13, 4, 9, 123456)


@pytest.mark.parametrize(("pattern", "expected"), [
    ("yyyy-MM-dd HH:mm:ss", "2020-10-05 13:04:09"),
    ("yyyyMMdd", "20201005"),
    ("yy/M/d", "20/10/5"),
    ("h:mm a", "1:04 PM"),
    ("KK k", "01 13"),
    ("EEE, dd MMM yyyy HH:mm:ss.SSS", "Mon, 05 Oct 2020 13:04:09.123"),
    ("EEEE d MMMM", "Monday 5 October"),
    ("D", "279"),
    ("yyyy-MM-dd'T'HH:mm:ss'Z'", "2020-10-05T13:04:09Z"),
    ("hh 'o''clock' a", "01 o'clock PM"),
    ("''yyyy''", "'2020'"),
    ("{yyyy}", "{2020}"),
    ("100% yyyy", "100% 2020"),
])
def test_patterns_render_like_java(pattern: str, expected: str) -> None:
    assert compile_java_date_pattern(pattern)(MOMENT) == expected


def test_a_date_renders_as_its_midnight() -> None:
    assert compile_java_date_pattern("yyyy-MM-dd HH:mm:ss")(dt.date(2021, 2, 3)) == "2021-02-03 00:00:00"


def test_midnight_and_noon_on_the_twelve_hour_clocks() -> None:
    render = compile_java_date_pattern("h K k a")
    assert render(dt.datetime(2020, 1, 1, 0, 30)) == "12 0 24 AM"
    assert render(dt.datetime(2020, 1, 1, 12, 30)) == "12 0 12 PM"


def test_years_are_zero_padded_to_the_letter_count() -> None:
    render = compile_java_date_pattern("yyyy|y|yy")
    assert render(dt.datetime(5, 1, 1)) == "0005|5|05"


@pytest.mark.parametrize(("pattern", "needle"), [
    ("vvvv-MM-dd HH:mm:ss", "'v'"),     # the seed document's typo for yyyy
    ("yyyy-MM-dd HH:mm:ssZ", "'Z'"),
    ("yyyy-MM-dd HH:mm:ss.S", "'S'"),
    ("yyyy-MM-dd HH:mm:ss.SSSSSS", "SSSSSS"),
    ("yyyy 'unclosed", "unclosed quote"),
    ("", "empty"),
])
def test_unsupported_patterns_are_config_errors_naming_the_key(pattern: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=r"^dateFormat: ") as raised:
        compile_java_date_pattern(pattern)
    assert raised.value.key == "dateFormat"
    assert needle in str(raised.value)
    assert "Fix:" in str(raised.value)
