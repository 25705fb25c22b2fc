"""Text forms of typed values and their strict inverse, ``parse_value``."""

from __future__ import annotations

import math
import random
import struct

import pytest

from tablestore_channels.errors import ConfigError, DirtyRecord
from tablestore_channels.formats.values import parse_value, render_binary, render_bool, render_float


def _bits(value: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", value))[0]


def _double(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


EDGE_DOUBLES = [
    0.0, -0.0, 5e-324, -5e-324, 2.2250738585072009e-308, 2.2250738585072014e-308,
    1.7976931348623157e308, -1.7976931348623157e308, 0.1, 1 / 3, 1e16, 123456789012345678.0,
    2.0**53 + 2, 1e-7, 9007199254740993.0,
]


@pytest.mark.parametrize(("value", "text"), [
    (math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity"), (-0.0, "-0.0"),
    (5e-324, "5e-324"), (1e16, "1e+16"), (0.1, "0.1"),
])
def test_double_texts(value: float, text: str) -> None:
    assert render_float(value) == text


def test_edge_doubles_round_trip_bit_exactly() -> None:
    for value in EDGE_DOUBLES:
        assert _bits(parse_value(render_float(value), "double")) == _bits(value), value


def test_random_bit_patterns_round_trip_bit_exactly() -> None:
    rnd = random.Random(20201015)
    checked = 0
    for _ in range(50_000):
        value = _double(rnd.getrandbits(64))
        back = parse_value(render_float(value), "double")
        if math.isnan(value):
            assert math.isnan(back)
        else:
            assert _bits(back) == _bits(value), value
            checked += 1
    assert checked > 49_000


def test_specials_parse_back() -> None:
    assert math.isnan(parse_value("NaN", "double"))
    assert parse_value("Infinity", "double") == math.inf
    assert parse_value("-Infinity", "double") == -math.inf


@pytest.mark.parametrize(("text", "expected"), [
    ("1.0E16", 1e16), ("-2.5e-3", -0.0025), ("7", 7.0), (".5", 0.5), ("5.", 5.0), ("+1.5", 1.5),
])
def test_java_and_plain_double_spellings_parse(text: str, expected: float) -> None:
    assert parse_value(text, "double") == expected


@pytest.mark.parametrize("text", ["", " 1.5", "1.5 ", "1_000.0", "inf", "nan", "-nan", "Inf", "0x1p3",
                                  "1e999", "-1e999", "1.2.3", "e5", "١٢"])
def test_bad_doubles_are_dirty(text: str) -> None:
    with pytest.raises(DirtyRecord):
        parse_value(text, "double")


@pytest.mark.parametrize("value", [0, -1, 2**63 - 1, -(2**63), 42, -9007199254740993])
def test_ints_round_trip(value: int) -> None:
    assert parse_value(str(value), "int") == value


@pytest.mark.parametrize("text", ["9223372036854775808", "-9223372036854775809", "", " 1", "1 ", "1_000",
                                  "1.0", "0x10", "١٢", "+"])
def test_bad_ints_are_dirty(text: str) -> None:
    with pytest.raises(DirtyRecord):
        parse_value(text, "int")


def test_bools() -> None:
    assert (render_bool(True), render_bool(False)) == ("true", "false")
    assert parse_value("true", "bool") is True
    assert parse_value("false", "bool") is False
    assert parse_value("TRUE", "bool") is True
    for text in ("1", "0", "yes", "", " true"):
        with pytest.raises(DirtyRecord):
            parse_value(text, "bool")


@pytest.mark.parametrize("value", [b"", b"\x00", b"\xff\xfe", bytes(range(256)), b"ab", b"abc"])
def test_binary_round_trips_as_padded_base64(value: bytes) -> None:
    text = render_binary(value)
    assert "\n" not in text and len(text) % 4 == 0
    assert parse_value(text, "binary") == value


def test_binary_text_is_standard_base64() -> None:
    assert render_binary(b"\xfb\xff") == "+/8="
    assert render_binary(bytearray(b"A")) == "QQ=="


@pytest.mark.parametrize("text", ["QQ", "Q Q==", "QQ==\n", "QQ==QQ==", "-_8=", "é"])
def test_bad_base64_is_dirty(text: str) -> None:
    with pytest.raises(DirtyRecord):
        parse_value(text, "binary")


def test_strings_and_nulls_pass_through() -> None:
    assert parse_value(" a ", "string") == " a "
    for type_name in ("string", "int", "double", "bool", "binary"):
        assert parse_value(None, type_name) is None


def test_unknown_type_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"^type: .*'date'"):
        parse_value("1", "date")
