"""Primary-key values: a configuration's open bounds (OPEN_MIN / OPEN_MAX) and the SDK's
(INF_MIN / INF_MAX) are one value each to every function of keys; sdk_values gives the SDK's."""

from __future__ import annotations

import pytest
import tablestore

from tablestore_channels.ots_client import keys


def test_inf_min_and_inf_max_are_the_sdks():
    assert keys.INF_MIN is tablestore.INF_MIN and keys.INF_MAX is tablestore.INF_MAX
    with pytest.raises(AttributeError, match="has no attribute 'INF_MID'"):
        keys.INF_MID  # noqa: B018


@pytest.mark.parametrize(("open_bound", "sdk", "name", "rank"), [
    (keys.OPEN_MIN, tablestore.INF_MIN, "INF_MIN", 0), (keys.OPEN_MAX, tablestore.INF_MAX, "INF_MAX", 2)])
def test_both_forms_of_an_open_bound_are_one_value(open_bound, sdk, name, rank):
    for value in (open_bound, sdk):
        assert keys.open_bound(value) is open_bound and keys.is_infinite(value)
        assert keys.value_type(value) is None and keys.sort_key(value) == (rank,) and keys.render(value) == name
        assert keys.to_json(value) == {"inf": name[4:].lower()} and keys.from_json(keys.to_json(value)) is sdk
    assert keys.sdk_values(["a", open_bound, 1]) == ["a", sdk, 1] and keys.sdk_values([open_bound])[0] is sdk


def test_concrete_values_are_no_open_bound():
    for value in ("a", 0, bytearray(b"\x01"), b"\x01", str):
        assert keys.open_bound(value) is None and not keys.is_infinite(value)
    assert keys.row_key([keys.OPEN_MIN, "a"]) < keys.row_key(["a", keys.INF_MIN]) < keys.row_key([keys.OPEN_MAX])
