"""The job envelope: plugins looked up by name, parameters validated with full key paths, and
the optional schedule block."""

from __future__ import annotations

import pendulum
import pytest

from tablestore_channels.errors import ConfigError
from tablestore_channels.job import JobSpec, Schedule
from tablestore_channels.plugins.osswriter.config import OSSWriterConfig
from tablestore_channels.plugins.otsreader.config import OTSReaderConfig


def job(**top) -> dict:
    return {"type": "job", "version": "1.0", "configuration": {
        "setting": {"speed": {"concurrent": 2}},
        "reader": {"plugin": "ots", "parameter": {"table": "t", "column": ["a"]}},
        "writer": {"plugin": "oss", "parameter": {"object": "x/", "writeMode": "append"}}}, **top}


def test_a_job_with_its_plugins_and_setting():
    spec = JobSpec.from_dict(job())
    assert (spec.reader_plugin, spec.writer_plugin, spec.schedule) == ("ots", "oss", None)
    assert isinstance(spec.reader, OTSReaderConfig) and isinstance(spec.writer, OSSWriterConfig)
    assert spec.reader.table == "t" and spec.writer.write_mode == "append" and spec.setting.speed.concurrent == 2


def test_setting_is_optional_and_type_defaults_to_job():
    raw = job()
    del raw["configuration"]["setting"], raw["type"]
    assert JobSpec.from_dict(raw).setting.speed.concurrent == 1


def test_schedule_block():
    spec = JobSpec.from_dict(job(schedule={"cron": "*/5 * * * *", "start_date": "2026-03-01", "catchup": "true",
                                           "timezone": "Asia/Shanghai"}))
    assert spec.schedule == Schedule("*/5 * * * *", pendulum.datetime(2026, 3, 1, tz="Asia/Shanghai"), True,
                                     "Asia/Shanghai", depends_on_past=True)  # a cron schedule: self-dependent
    assert JobSpec.from_dict(job(schedule={})).schedule == Schedule(None, pendulum.datetime(2026, 1, 1), False, "UTC")
    independent = JobSpec.from_dict(job(schedule={"cron": "0 2 * * *", "depends_on_past": "false"})).schedule
    assert independent is not None and independent.depends_on_past is False


@pytest.mark.parametrize(("change", "key", "match"), [
    (lambda j: j.update(type="task"), "job.type", "must be 'job'"),
    (lambda j: j.update(owner="me"), "job.owner", "unknown parameter"),
    (lambda j: j.pop("configuration"), "job.configuration", "is required"),
    (lambda j: j["configuration"].update(channel={}), "configuration.channel", "unknown parameter"),
    (lambda j: j["configuration"].pop("writer"), "configuration.writer", "is required"),
    (lambda j: j["configuration"]["reader"].update(plugin="mysql"), "configuration.reader.plugin",
     "unknown reader plugin 'mysql'"),
    (lambda j: j["configuration"]["writer"].update(plugin="ftp"), "configuration.writer.plugin",
     "unknown writer plugin 'ftp'"),
    (lambda j: j["configuration"]["reader"].update(params={}), "configuration.reader.params", "unknown parameter"),
    (lambda j: j["configuration"]["reader"]["parameter"].pop("table"), "configuration.reader.parameter.table",
     "is required"),
    (lambda j: j["configuration"]["writer"]["parameter"].update(writeMode="x"),
     "configuration.writer.parameter.writeMode", "unknown value"),
    (lambda j: j["configuration"].update(setting={"speed": {"concurrent": "x"}}),
     "configuration.setting.speed.concurrent", "must be an integer"),
    (lambda j: j.update(schedule={"timezone": "Mars/Olympus"}), "schedule.timezone", "unknown time zone"),
    (lambda j: j.update(schedule={"start_date": "soon"}), "schedule.start_date", "is not a date"),
    (lambda j: j.update(schedule={"catchup": "often"}), "schedule.catchup", "true or false"),
    (lambda j: j.update(schedule={"interval": "1h"}), "schedule.interval", "unknown parameter"),
])
def test_errors_name_the_full_key(change, key, match):
    raw = job()
    change(raw)
    with pytest.raises(ConfigError, match=match) as raised:
        JobSpec.from_dict(raw)
    assert raised.value.key == key
