"""A job file's window in any schedule zone: the reader reads exactly [t - 10 min, t - 5 min) of
each run, windows tile across daylight-saving changes, and what a zone would turn into another
window or a repeated name is refused when the file is loaded."""

from __future__ import annotations

import copy
import json

import pendulum
import pytest
from airflow.timetables.base import DataInterval, TimeRestriction
from airflow.timetables.trigger import CronTriggerTimetable

from tablestore_channels.authoring.job_files import JobFile, load_job_dags
from tablestore_channels.errors import ConfigError
from tablestore_channels.plugins.otsstreamreader.config import OTSStreamReaderConfig
from tests.support.templates import render

FIVE_MINUTES_MS = 300_000
STREAM_JOB = {
    "type": "job",
    "configuration": {
        "reader": {"plugin": "otsstream", "parameter": {
            "dataTable": "t", "startTimestampMillis": "${start_time}", "endTimestampMillis": "${end_time}"}},
        "writer": {"plugin": "odps", "parameter": {"table": "t_changes", "partition": "pt=${date}", "truncate": False,
                                                   "column": ["*"]}},
    },
}


def _job_file(tmp_path, timezone: str, *, reader: dict | None = None, writer: dict | None = None) -> JobFile:
    job = copy.deepcopy(STREAM_JOB)
    job["configuration"]["reader"]["parameter"].update(reader or {})
    job["configuration"]["writer"]["parameter"].update(writer or {})
    job["schedule"] = {"cron": "*/5 * * * *", "start_date": "2026-01-01", "timezone": timezone}
    path = tmp_path / "sync.json"
    path.write_text(json.dumps(job))
    return JobFile.load(path)


def _window(job_file: JobFile, run_time: pendulum.DateTime, *, logical: bool = True) -> tuple[int, int]:
    """The reader's window of a run, from the job's templates rendered as Airflow renders them."""
    raw = job_file.job["configuration"]["reader"]["parameter"]
    rendered = {k: render(v, run_time, logical=logical) if isinstance(v, str) else v for k, v in raw.items()}
    config = OTSStreamReaderConfig.from_parameter(rendered)
    assert config.start_ms is not None and config.end_ms is not None
    return config.start_ms, config.end_ms


def _ms(moment: pendulum.DateTime) -> int:
    return moment.int_timestamp * 1000


@pytest.mark.parametrize("timezone", ["UTC", "Asia/Shanghai", "America/New_York"])
@pytest.mark.parametrize("logical", [True, False], ids=["scheduled", "without-logical-date"])
def test_every_zone_reads_ten_to_five_minutes_before_the_run(tmp_path, timezone, logical):
    run = pendulum.datetime(2026, 7, 1, 12, 0, tz="UTC")
    assert _window(_job_file(tmp_path, timezone), run, logical=logical) == (
        _ms(run.subtract(minutes=10)), _ms(run.subtract(minutes=5)))


def test_a_reader_time_zone_of_its_own_reads_the_same_instants(tmp_path):
    run = pendulum.datetime(2026, 7, 1, 12, 0, tz="UTC")
    job_file = _job_file(tmp_path, "America/New_York", reader={"timeZone": "Asia/Shanghai"})
    assert _window(job_file, run) == (_ms(run.subtract(minutes=10)), _ms(run.subtract(minutes=5)))


def _runs(timezone: str, day: pendulum.DateTime) -> list[pendulum.DateTime]:
    """The run times the cron timetable schedules over ``day`` (local midnight to midnight)."""
    timetable = CronTriggerTimetable("*/5 * * * *", timezone=timezone)
    start, end = day.in_timezone("UTC"), day.add(days=1).in_timezone("UTC").subtract(seconds=1)
    restriction = TimeRestriction(earliest=start, latest=end, catchup=True)
    runs, last = [], None
    while (info := timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)):
        runs.append(pendulum.instance(info.run_after))
        last = DataInterval(info.run_after, info.run_after)
    return runs


@pytest.mark.parametrize("day, hours", [
    (pendulum.datetime(2026, 3, 8, tz="America/New_York"), 23),   # spring forward: 02:00 -> 03:00
    (pendulum.datetime(2026, 11, 1, tz="America/New_York"), 25),  # fall back: 02:00 -> 01:00
], ids=["spring-forward", "fall-back"])
def test_windows_tile_across_a_daylight_saving_change(tmp_path, day, hours):
    job_file = _job_file(tmp_path, "America/New_York")
    runs = _runs("America/New_York", day)
    assert len(runs) == hours * 12, len(runs)
    windows = [_window(job_file, run) for run in runs]
    assert all(end - start == FIVE_MINUTES_MS for start, end in windows)
    # each window starts where the one before ended: nothing skipped, nothing read twice
    assert all(later[0] == earlier[1] for earlier, later in zip(windows, windows[1:], strict=False))
    assert windows[0][0] == _ms(day.in_timezone("UTC").subtract(minutes=10))


def test_a_reader_zone_that_would_read_another_window_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"sync\.json: configuration\.reader\.parameter\.timeZone: is 'UTC', but "
                                          r"startTimeString take their \$\{variables\} in the schedule's time zone "
                                          r"'Asia/Shanghai'.* Fix: remove timeZone"):
        _job_file(tmp_path, "Asia/Shanghai", reader={"startTimestampMillis": None, "endTimestampMillis": None,
                                                     "startTimeString": "${date}000000", "timeZone": "UTC"})


def test_a_wall_clock_time_around_a_variable_is_read_in_the_schedules_zone(tmp_path):
    job_file = _job_file(tmp_path, "Asia/Shanghai", reader={
        "startTimestampMillis": None, "endTimestampMillis": None, "startTimeString": "${date}000000"})
    run = pendulum.datetime(2026, 7, 1, 17, 0, tz="UTC")  # 01:00 on 2 July in Shanghai
    start, end = _window(job_file, run)
    assert start == _ms(pendulum.datetime(2026, 7, 2, tz="Asia/Shanghai")) and end - start == FIVE_MINUTES_MS


def test_names_from_the_time_of_day_in_a_zone_with_daylight_saving_are_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"configuration\.writer\.parameter\.partition: names the output by "
                                          r"\$\{startTime\}, the time of day in 'America/New_York'.* Fix: schedule "
                                          r"the job in UTC"):
        _job_file(tmp_path, "America/New_York", writer={"partition": "pt=${startTime}", "truncate": True})
    shanghai = _job_file(tmp_path, "Asia/Shanghai", writer={"partition": "pt=${startTime}", "truncate": True})
    run = pendulum.datetime(2026, 7, 1, 17, 0, tz="UTC")
    assert render(shanghai.job["configuration"]["writer"]["parameter"]["partition"], run) == "pt=20260702005000"


def test_the_date_of_a_run_without_a_logical_date_is_when_it_was_to_run(tmp_path):
    job_file = _job_file(tmp_path, "Asia/Shanghai")
    run = pendulum.datetime(2026, 7, 1, 17, 0, tz="UTC")
    partition = job_file.job["configuration"]["writer"]["parameter"]["partition"]
    assert render(partition, run, logical=False) == render(partition, run) == "pt=20260702"


def test_the_readers_window_and_lag_minutes_move_the_variables_and_the_sensor(tmp_path):
    job_file = _job_file(tmp_path, "UTC", reader={"windowMinutes": 15, "lagMinutes": "2"},
                         writer={"partition": "pt=${start_time}"})
    run = pendulum.datetime(2026, 7, 1, 12, 0, tz="UTC")
    assert _window(job_file, run) == (_ms(run.subtract(minutes=17)), _ms(run.subtract(minutes=2)))
    assert render(job_file.job["configuration"]["writer"]["parameter"]["partition"], run) == "pt=20260701114300"
    sensor = job_file.dag().get_task("wait_until_settled")
    assert render(sensor.target_time, run) == str(run)  # settled at end + lag = the run's time


def test_a_scheduled_job_asking_for_a_variable_is_refused_and_the_other_jobs_still_load(tmp_path):
    _job_file(tmp_path, "UTC")  # sync.json, valid
    job = json.loads((tmp_path / "sync.json").read_text())
    job["configuration"]["writer"]["parameter"]["table"] = "${target}"
    (tmp_path / "asks.json").write_text(json.dumps(job))
    dags, errors = load_job_dags(tmp_path)
    assert set(dags) == {"sync"}
    assert errors[str(tmp_path / "asks.json")] == (
        f"{tmp_path / 'asks.json'}: schedule: a scheduled job cannot ask for ${{target}}: a scheduled run has nobody "
        "to fill it in. Fix: write the value into the job, or remove the schedule and trigger the job with it.")


def test_a_lag_of_0_is_kept(tmp_path):
    job_file = _job_file(tmp_path, "UTC", reader={"windowMinutes": 1, "lagMinutes": 0})
    run = pendulum.datetime(2026, 7, 1, 12, 0, tz="UTC")
    assert _window(job_file, run) == (_ms(run.subtract(minutes=1)), _ms(run))
