"""The job's setting block: errorLimit and speed, with DataX's spellings."""

from __future__ import annotations

import pytest

from tablestore_channels.config.setting import ErrorLimit, JobSetting, Speed
from tablestore_channels.errors import ConfigError


def test_defaults_allow_no_dirty_record_and_no_throttle():
    setting = JobSetting.from_dict(None)
    assert setting == JobSetting(ErrorLimit(record=0), Speed(mbps=None, concurrent=1))
    assert setting.error_limit.allows(0, 10) and not setting.error_limit.allows(1, 10)


def test_record_limit_wins_over_percentage():
    limit = JobSetting.from_dict({"errorLimit": {"record": "2", "percentage": 0.5}}).error_limit
    assert (limit.record, limit.percentage) == (2, 0.5)
    assert limit.allows(2, 3) and not limit.allows(3, 100) and limit.describe() == "errorLimit.record=2"


def test_percentage_alone_is_a_share_of_the_records_read():
    limit = JobSetting.from_dict({"errorLimit": {"percentage": "0.1"}}).error_limit
    assert (limit.record, limit.percentage) == (None, 0.1)
    assert limit.allows(10, 100) and not limit.allows(11, 100) and limit.allows(0, 0) and not limit.allows(1, 0)
    assert limit.describe() == "errorLimit.percentage=0.1"


def test_speed_spellings():
    assert JobSetting.from_dict({"speed": {"mbps": "2.5", "concurrent": "3"}}).speed == Speed(2.5, 3)
    assert JobSetting.from_dict({"speed": {"channel": 4}}).speed == Speed(None, 4)
    assert JobSetting.from_dict({"speed": {"concurrent": 2, "channel": 4}}).speed.concurrent == 2
    assert JobSetting.from_dict({"speed": {"byte": 1048576}}).speed.mbps == 1.0
    assert JobSetting.from_dict({"speed": {"mbps": 1, "throttle": "false"}}).speed.mbps is None
    assert JobSetting.from_dict({"speed": {"mbps": 0}}).speed.mbps is None  # 0 = unlimited


def test_throttle_is_shared_by_the_splits_that_run_at_once():
    speed = Speed(mbps=4, concurrent=2)
    assert speed.bytes_per_second_per_split(1) == 4 * 1024 * 1024
    assert speed.bytes_per_second_per_split(2) == speed.bytes_per_second_per_split(8) == 2 * 1024 * 1024
    assert Speed().bytes_per_second_per_split(3) is None


@pytest.mark.parametrize(("raw", "key", "match"), [
    ({"errorLimit": {"record": -1}}, "setting.errorLimit.record", "at least 0"),
    ({"errorLimit": {"record": "many"}}, "setting.errorLimit.record", "must be an integer"),
    ({"errorLimit": {"percentage": 1.5}}, "setting.errorLimit.percentage", "within 0..1"),
    ({"errorLimit": {"percentage": "x"}}, "setting.errorLimit.percentage", "must be a number"),
    ({"errorLimit": {"records": 1}}, "setting.errorLimit.records", "unknown parameter"),
    ({"errorLimit": 0}, "setting.errorLimit", "must be an object"),
    ({"speed": {"concurrent": 0}}, "setting.speed.concurrent", "at least 1"),
    ({"speed": {"mbps": -1}}, "setting.speed.mbps", "at least 0"),
    ({"speed": {"throttle": "maybe"}}, "setting.speed.throttle", "true or false"),
    ({"speed": {"rate": 1}}, "setting.speed.rate", "unknown parameter"),
    ({"retry": {}}, "setting.retry", "unknown parameter"),
])
def test_bad_settings_name_their_key(raw, key, match):
    with pytest.raises(ConfigError, match=match) as raised:
        JobSetting.from_dict(raw)
    assert raised.value.key == key
