"""The point-in-time restore's planner (:mod:`tablestore_channels.plugins.pointintimereader.restore_plan`), on a fake
bucket: which export and which stream windows rebuild the table at T, T ``latest`` on a fixed
clock, clock skew at both ends of the export, and the refusals, each naming the gap and its param."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import oss2
import pytest

from tablestore_channels.backup_layout import Manifest, TableSource, WindowSource
from tablestore_channels.errors import PreconditionError
from tablestore_channels.plugins.otsstreamreader.config import MULTI_VERSION, SINGLE_VERSION
from tablestore_channels.plugins.pointintimereader import restore_plan
from tablestore_channels.plugins.pointintimereader.config import PointInTimeReaderConfig
from tablestore_channels.plugins.pointintimereader.restore_plan import RestorePlan
from tablestore_channels.retrying import Retry, oss_retriable

EXPORTS, STREAM = "tablestore/t/", "inst/t/"
KEY = "configuration.reader.parameter."
MINUTE = 60_000


def ms(text: str) -> int:
    """``2026-03-01T10:00:00`` (UTC) as ms since the epoch."""
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp() * 1000)


def iso(at_ms: int) -> str:
    return dt.datetime.fromtimestamp(at_ms / 1000, dt.UTC).isoformat(timespec="milliseconds")


class FakeBucket:
    """Objects under their keys; lists them as OSS does (ListObjectsV2: by prefix, in key order,
    paged), reads manifests back, and records the prefixes it was asked to list."""

    bucket_name = "backups"

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, int]] = {}  # key -> (bytes, last modified)
        self.listed: list[str] = []

    def put(self, key: str, data: bytes = b"x", modified: int = 0) -> str:
        self.objects[key] = (data, modified)
        return key

    def touch(self, key: str, modified: int) -> None:
        self.objects[key] = (self.objects[key][0], modified)

    def list_objects_v2(self, prefix: str = "", continuation_token: str = "", max_keys: int = 100, **_):
        if not continuation_token:
            self.listed.append(prefix)
        keys = sorted(k for k in self.objects if k.startswith(prefix) and k > continuation_token)
        page = keys[:max_keys]
        return SimpleNamespace(
            object_list=[oss2.models.SimplifiedObjectInfo(k, self.objects[k][1], None, None, len(self.objects[k][0]), None)
                         for k in page],
            prefix_list=[], is_truncated=len(keys) > max_keys,
            next_continuation_token=page[-1] if len(keys) > max_keys else "")

    def get_object(self, key: str) -> io.BytesIO:
        return io.BytesIO(self.objects[key][0])

    # --- what the channels write -----------------------------------------------------------
    def export(self, run: str, started: str, finished: str, *, table: str = "t", mode: str = "multiVersion",
               columns: tuple = (), whole_table: bool = True, max_version: int | None = None) -> str:
        """A committed full export under EXPORTS: a data object and its manifest."""
        self.put(f"{EXPORTS}{run}_00000_00000.csv")
        source = TableSource(table=table, mode=mode, columns=columns, whole_table=whole_table, max_version=max_version,
                             table_max_versions=3, primary_key=(("id", "STRING"),), defined_columns=(),
                             table_time_to_live=-1)
        manifest = _manifest(EXPORTS, run, source, read_started_at_ms=ms(started), read_finished_at_ms=ms(finished))
        return self.put(f"{EXPORTS}{run}_manifest.json", manifest)

    def window(self, start: str, end: str, *, run: str = "scheduled", table: str = "t", mode: str = MULTI_VERSION,
               sequence_info: bool = True, committed: bool = True, modified: int = 0) -> str:
        """A stream window as the stream sync lays it out: ``<yyyymmdd>/<start>-<end>/``."""
        low, high = ms(start), ms(end)
        folder = f"{STREAM}{_compact(low)[:8]}/{_compact(low)}-{_compact(high)}/"
        self.put(f"{folder}{run}_00000_00000.csv", modified=modified)
        if not committed:
            return folder
        source = WindowSource(table=table, mode=mode, sequence_info=sequence_info, start_ms=low, end_ms=high)
        return self.put(f"{folder}{run}_manifest.json", _manifest(folder, run, source), modified)

    def windows(self, first: str, last_end: str, minutes: int = 5) -> None:
        """Committed windows of ``minutes`` tiling [first, last_end)."""
        for start in range(ms(first), ms(last_end), minutes * MINUTE):
            self.window(iso(start)[:19], iso(start + minutes * MINUTE)[:19])


def _manifest(prefix: str, run: str, source: TableSource | WindowSource, **read: int) -> bytes:
    """The manifest of a one-object run, as the OSS writer commits it."""
    key = f"{prefix}{run}_00000_00000.csv"
    return Manifest.model_validate({
        **read, "source": source, "bucket": FakeBucket.bucket_name, "prefix": prefix, "run_key": run,
        "format": {"fileFormat": "csv", "fieldDelimiter": ",", "encoding": "UTF-8", "nullFormat": "null",
                   "dateFormat": "yyyy-MM-dd HH:mm:ss", "compress": "none", "header": False, "columns": []},
        "objects": [{"key": key, "split": 0, "part": 0, "rows": 1, "bytes": 1}],
        "totals": {"rows": 1, "bytes": 1, "objects": 1, "dirty": 0}}).to_json()


def _compact(at_ms: int) -> str:
    return dt.datetime.fromtimestamp(at_ms / 1000, dt.UTC).strftime("%Y%m%d%H%M%S")


class FixedClock:
    """What the planner reads ``time.time_ns()`` from when T is ``latest``."""

    def __init__(self, now: str) -> None:
        self.now_ns = ms(now) * 1_000_000

    def time_ns(self) -> int:
        return self.now_ns


def config(point: str = "2026-03-01T10:12:30Z", **parameter) -> PointInTimeReaderConfig:
    """The reader's parameters as a job holds them (errors name the job's keys)."""
    return PointInTimeReaderConfig.from_parameter(
        {"table": "t", "exportPrefix": EXPORTS, "streamPrefix": STREAM, "pointInTime": point, **parameter},
        "configuration.reader.parameter")


def resolve(bucket: FakeBucket, point: str = "2026-03-01T10:12:30Z", **parameter) -> RestorePlan:
    return restore_plan.resolve(bucket, Retry(oss_retriable), config(point, **parameter))


def refusal(bucket: FakeBucket, point: str = "2026-03-01T10:12:30Z", **parameter) -> PreconditionError:
    with pytest.raises(PreconditionError) as raised:
        resolve(bucket, point, **parameter)
    return raised.value


def spans(plan: RestorePlan) -> list[tuple[str, str, int | None]]:
    """The plan's windows as (start, end, cut in µs or None), times as ``HH:MM`` of the day."""
    return [(iso(r.window.start_ms)[11:16], iso(r.window.end_ms)[11:16], r.cut_us) for r in plan.windows]


def us(text: str) -> int:
    moment = dt.datetime.fromisoformat(text)
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


@pytest.fixture
def backups() -> FakeBucket:
    """An export read 10:01 .. 10:03 and committed 5-minute windows from 09:55 to 10:20."""
    bucket = FakeBucket()
    bucket.export("e1", "2026-03-01T10:01:00", "2026-03-01T10:03:00")
    bucket.windows("2026-03-01T09:55:00", "2026-03-01T10:20:00")
    return bucket


# --- the plan ------------------------------------------------------------------------------------
def test_the_windows_from_the_export_start_to_t_the_last_cut_at_t(backups):
    plan = resolve(backups)
    assert plan.export.manifest_key == f"{EXPORTS}e1_manifest.json"
    assert plan.point_us == us("2026-03-01T10:12:30+00:00")
    # 09:55-10:00 ends before the export's start (minus 1 s of skew); 10:15-10:20 starts after T
    assert spans(plan) == [("10:00", "10:05", None), ("10:05", "10:10", None), ("10:10", "10:15", plan.point_us)]
    assert plan.describe() == (
        f"export oss://…/{EXPORTS}e1_manifest.json (read 2026-03-01T10:01:00.000+00:00 .. "
        "2026-03-01T10:03:00.000+00:00), then 3 window(s) 2026-03-01T10:00:00.000+00:00 .. "
        "2026-03-01T10:15:00.000+00:00 (the last cut at T)")


def test_a_change_committed_at_t_belongs_to_it_so_t_on_a_window_boundary_takes_the_next_window(backups):
    at_boundary = resolve(backups, "2026-03-01T10:10:00Z")
    assert spans(at_boundary)[-2:] == [("10:05", "10:10", None), ("10:10", "10:15", us("2026-03-01T10:10:00+00:00"))]
    just_before = resolve(backups, "2026-03-01T10:09:59.999999Z")  # the last µs 10:05-10:10 holds: no cut
    assert spans(just_before)[-1] == ("10:05", "10:10", None)
    assert "(the last cut at T)" not in just_before.describe()


def test_the_latest_export_finished_by_t_is_chosen():
    bucket = FakeBucket()
    bucket.export("e-old", "2026-03-01T08:00:00", "2026-03-01T08:05:00")
    bucket.export("e-new", "2026-03-01T10:01:00", "2026-03-01T10:03:00")
    bucket.windows("2026-03-01T07:55:00", "2026-03-01T10:20:00")
    after_both = resolve(bucket)
    assert after_both.export.manifest_key == f"{EXPORTS}e-new_manifest.json"
    # at 10:02 the newer export is still reading: it may hold changes after T
    during_the_newer = resolve(bucket, "2026-03-01T10:02:00Z")
    assert during_the_newer.export.manifest_key == f"{EXPORTS}e-old_manifest.json"
    expected = [(iso(s)[11:16], iso(s + 5 * MINUTE)[11:16], None)
                for s in range(ms("2026-03-01T07:55:00"), ms("2026-03-01T10:00:00"), 5 * MINUTE)]
    assert spans(during_the_newer) == [*expected, ("10:00", "10:05", us("2026-03-01T10:02:00+00:00"))]


def test_a_pinned_export_is_kept_even_when_a_newer_one_would_do():
    bucket = FakeBucket()
    old = bucket.export("e-old", "2026-03-01T09:50:00", "2026-03-01T09:52:00")
    bucket.export("e-new", "2026-03-01T10:01:00", "2026-03-01T10:03:00")
    bucket.windows("2026-03-01T09:45:00", "2026-03-01T10:20:00")
    plan = resolve(bucket, phase="windows", exportManifest=old)
    assert plan.export.manifest_key == old
    assert spans(plan)[0] == ("09:45", "09:50", None)
    gone = refusal(bucket, phase="windows", exportManifest=f"{EXPORTS}e-gone_manifest.json")
    assert f"the export oss://backups/{EXPORTS}e-gone_manifest.json chosen for this restore is gone" in str(gone)
    assert gone.key == KEY + "exportManifest"


def test_overlapping_and_duplicate_windows_replay_once_in_start_order():
    bucket = FakeBucket()
    bucket.export("e1", "2026-03-01T10:01:00", "2026-03-01T10:03:00")
    bucket.window("2026-03-01T10:00:00", "2026-03-01T10:10:00")  # a longer window (windowMinutes 10)
    bucket.window("2026-03-01T10:00:00", "2026-03-01T10:05:00")  # inside it: skipped
    bucket.window("2026-03-01T10:05:00", "2026-03-01T10:10:00")  # ends with it: skipped too
    bucket.window("2026-03-01T10:08:00", "2026-03-01T10:15:00")  # overlaps it: replayed after it
    assert spans(resolve(bucket)) == [("10:00", "10:10", None), ("10:08", "10:15", us("2026-03-01T10:12:30+00:00"))]


def test_a_rerun_window_is_read_from_its_newest_manifest():
    bucket = FakeBucket()
    bucket.export("e1", "2026-03-01T10:01:00", "2026-03-01T10:03:00")
    bucket.windows("2026-03-01T10:00:00", "2026-03-01T10:15:00")
    first = bucket.window("2026-03-01T10:05:00", "2026-03-01T10:10:00", run="first", mode=SINGLE_VERSION, modified=100)
    rerun = bucket.window("2026-03-01T10:05:00", "2026-03-01T10:10:00", run="rerun", modified=200)
    assert resolve(bucket).windows[1].window.manifest_key == rerun
    bucket.touch(first, modified=300)  # now the single-version run is the newest
    assert "was exported in mode single_version_and_update_only" in str(refusal(bucket))


def test_windows_across_midnight_are_found_in_both_days_and_only_those_days_are_listed():
    bucket = FakeBucket()
    bucket.export("e1", "2026-02-28T23:58:00", "2026-02-28T23:59:00")
    bucket.windows("2026-02-28T23:50:00", "2026-03-01T00:10:00")
    bucket.window("2026-02-20T10:00:00", "2026-02-20T10:05:00")  # a day never listed
    plan = resolve(bucket, "2026-03-01T00:02:00Z")
    assert spans(plan) == [("23:55", "00:00", None), ("00:00", "00:05", us("2026-03-01T00:02:00+00:00"))]
    assert bucket.listed == [EXPORTS, f"{STREAM}20260227/", f"{STREAM}20260228/", f"{STREAM}20260301/"]


# --- clock skew ----------------------------------------------------------------------------------
def test_the_skew_reaches_back_before_the_export_start_for_the_window_that_may_hold_its_first_reads():
    bucket = FakeBucket()
    bucket.export("e1", "2026-03-01T10:00:00.500", "2026-03-01T10:03:00")
    bucket.windows("2026-03-01T09:50:00", "2026-03-01T10:20:00")
    assert spans(resolve(bucket))[0] == ("09:55", "10:00", None)  # the default 1 s of skew
    assert spans(resolve(bucket, maxClockSkewMillis=0))[0] == ("10:00", "10:05", None)


def test_a_folder_name_holds_the_window_end_to_the_second_only():
    """A window of a job with millisecond bounds: its folder names 10:00:00, it ends at 10:00:00.700,
    after the export's start (less the skew): it is replayed."""
    bucket = FakeBucket()
    bucket.export("e1", "2026-03-01T10:00:01.500", "2026-03-01T10:03:00")
    bucket.window("2026-03-01T09:55:00.700", "2026-03-01T10:00:00.700")
    bucket.window("2026-03-01T10:00:00.700", "2026-03-01T10:15:00.700")
    plan = resolve(bucket)
    assert [(r.window.start_ms, r.window.end_ms) for r in plan.windows] == [
        (ms("2026-03-01T09:55:00.700"), ms("2026-03-01T10:00:00.700")),
        (ms("2026-03-01T10:00:00.700"), ms("2026-03-01T10:15:00.700"))]


def test_the_export_must_have_finished_reading_a_skew_before_t():
    bucket = FakeBucket()
    bucket.export("e1", "2026-03-01T10:01:00", "2026-03-01T10:12:29.500")
    bucket.windows("2026-03-01T09:55:00", "2026-03-01T10:20:00")
    assert resolve(bucket, maxClockSkewMillis=500).export.manifest_key == f"{EXPORTS}e1_manifest.json"
    error = refusal(bucket)  # the default 1 s: 10:12:29.5 + 1 s is after T
    assert str(error).startswith("T (2026-03-01T10:12:30Z) is before the oldest usable full export of table 't': the "
                                 f"earliest, oss://backups/{EXPORTS}e1_manifest.json, finished reading at "
                                 "2026-03-01T10:12:29.500+00:00")
    assert "Fix: choose T at or after 2026-03-01T10:12:30.500+00:00" in str(error)
    assert error.key == KEY + "pointInTime"


# --- refusals of the export ----------------------------------------------------------------------
def test_no_export_of_the_table_is_refused_naming_the_prefix():
    bucket = FakeBucket()
    bucket.export("other", "2026-03-01T10:01:00", "2026-03-01T10:03:00", table="other_table")
    stray = WindowSource(table="t", mode=MULTI_VERSION, sequence_info=True, start_ms=0, end_ms=1)  # not an export
    bucket.put(f"{EXPORTS}stray_manifest.json", _manifest(EXPORTS, "stray", stray))
    bucket.windows("2026-03-01T09:55:00", "2026-03-01T10:20:00")
    error = refusal(bucket)
    assert str(error).startswith(f"no committed full export of table 't' under oss://backups/{EXPORTS} ")
    assert error.key == KEY + "exportPrefix"


@pytest.mark.parametrize("body, problem", [
    (b'{"manifest_version": 2}', "manifest_version 2: this version of the package reads 1 (written by a newer "
                                 "version: upgrade to read it)"),
    (b"{}", "manifest_version None"),
    (b'{"manifest_version": 1}', "objects: Field required"),
    (b"<html>", "not JSON"),
])
def test_a_manifest_this_version_cannot_read_is_refused_naming_it_and_why(body, problem):
    bucket = FakeBucket()
    bucket.export("e1", "2026-03-01T10:01:00", "2026-03-01T10:03:00")
    bucket.put(f"{EXPORTS}later_manifest.json", body)
    bucket.windows("2026-03-01T09:55:00", "2026-03-01T10:20:00")
    error = refusal(bucket)
    assert str(error).startswith(f"oss://backups/{EXPORTS}later_manifest.json is not an export manifest this "
                                 f"version reads ({problem}")
    assert error.key == KEY + "exportPrefix"


@pytest.mark.parametrize("export, why", [
    ({"mode": "normal"}, "it was read in mode 'normal' (one record per row)"),
    ({"columns": ("a",)}, "it read only the columns ['a']"),
    ({"whole_table": False}, "it read a key range or a time range, not the whole table"),
    ({"max_version": 1}, "it read 1 of the 3 versions the table keeps"),
])
def test_an_export_that_did_not_keep_every_version_is_refused_saying_why(export, why):
    bucket = FakeBucket()
    bucket.export("e1", "2026-03-01T10:01:00", "2026-03-01T10:03:00", **export)
    bucket.windows("2026-03-01T09:55:00", "2026-03-01T10:20:00")
    error = refusal(bucket)
    assert str(error).startswith("none of the 1 full export(s) of table 't' can serve a restore that keeps cell "
                                 f"timestamps: oss://backups/{EXPORTS}e1_manifest.json: {why}")
    assert error.key == KEY + "exportPrefix"


def test_a_full_version_export_beside_others_is_used():
    bucket = FakeBucket()
    bucket.export("e0", "2026-03-01T10:04:00", "2026-03-01T10:05:00", mode="normal")  # newer, unusable
    bucket.export("e1", "2026-03-01T10:01:00", "2026-03-01T10:03:00")
    bucket.windows("2026-03-01T09:55:00", "2026-03-01T10:20:00")
    assert resolve(bucket).export.manifest_key == f"{EXPORTS}e1_manifest.json"


# --- refusals of the windows ---------------------------------------------------------------------
def test_a_gap_between_the_export_and_t_is_refused_naming_it(backups):
    del backups.objects["inst/t/20260301/20260301100500-20260301101000/scheduled_manifest.json"]
    del backups.objects["inst/t/20260301/20260301100500-20260301101000/scheduled_00000_00000.csv"]
    error = refusal(backups)
    assert str(error).startswith(
        f"no committed stream window of table 't' under oss://backups/{STREAM} covers "
        "[2026-03-01T10:05:00.000+00:00, 2026-03-01T10:10:00.000+00:00), between the full export's start and T "
        "(2026-03-01T10:12:30Z): those changes are missing.")
    assert "or choose a T before 2026-03-01T10:05:00.000+00:00." in str(error)
    assert error.key == KEY + "streamPrefix"
    assert spans(resolve(backups, "2026-03-01T10:04:00Z"))[-1][:2] == ("10:00", "10:05")  # before the gap: fine


def test_a_window_with_objects_but_no_manifest_is_named_as_uncommitted(backups):
    folder = "inst/t/20260301/20260301100500-20260301101000/"
    del backups.objects[f"{folder}scheduled_manifest.json"]
    error = refusal(backups)
    assert str(error).startswith(
        "stream window [2026-03-01T10:05:00.000+00:00, 2026-03-01T10:10:00.000+00:00) of table 't' at "
        f"oss://backups/{folder} has objects but no manifest: its run did not commit")
    assert error.key == KEY + "streamPrefix"


def test_a_window_of_another_table_under_the_prefix_is_not_replayed(backups):
    folder = "inst/t/20260301/20260301100500-20260301101000/"
    del backups.objects[f"{folder}scheduled_manifest.json"]
    backups.window("2026-03-01T10:05:00", "2026-03-01T10:10:00", run="other", table="other")
    assert "covers [2026-03-01T10:05:00.000+00:00, 2026-03-01T10:10:00.000+00:00)" in str(refusal(backups))


def test_windows_that_end_before_t_are_refused_naming_where_they_reach(backups):
    error = refusal(backups, "2026-03-01T10:25:00Z")
    assert str(error).startswith(
        f"the committed stream windows of table 't' under oss://backups/{STREAM} reach only "
        "2026-03-01T10:20:00.000+00:00, before T (2026-03-01T10:25:00Z).")
    assert error.key == KEY + "pointInTime"


def test_a_single_version_window_cannot_be_replayed(backups):
    backups.window("2026-03-01T10:05:00", "2026-03-01T10:10:00", run="sv", mode=SINGLE_VERSION, modified=1)
    error = refusal(backups)
    assert str(error).startswith(
        "stream window [2026-03-01T10:05:00.000+00:00, 2026-03-01T10:10:00.000+00:00) "
        f"(oss://backups/{STREAM}20260301/20260301100500-20260301101000/sv_manifest.json) was exported in mode "
        "single_version_and_update_only, which keeps one record per changed row and drops deletes and versions")
    assert "or choose a T before 2026-03-01T10:05:00.000+00:00." in str(error)
    assert error.key == KEY + "streamPrefix"


def test_the_window_holding_t_needs_sequence_info_unless_t_is_its_last_microsecond(backups):
    backups.window("2026-03-01T10:10:00", "2026-03-01T10:15:00", run="noseq", sequence_info=False, modified=1)
    error = refusal(backups)
    assert "holds T (2026-03-01T10:12:30Z) but was exported without sequence info" in str(error)
    assert "choose T at its start (2026-03-01T10:10:00.000+00:00) or end" in str(error)
    assert error.key == KEY + "pointInTime"
    assert spans(resolve(backups, "2026-03-01T10:14:59.999999Z"))[-1] == ("10:10", "10:15", None)


# --- T latest ------------------------------------------------------------------------------------
def test_latest_is_the_end_of_the_committed_windows_after_the_newest_export(backups, monkeypatch):
    monkeypatch.setattr(restore_plan, "time", FixedClock("2026-03-01T10:22:00"))
    plan = resolve(backups, "latest")
    assert plan.point_us == us("2026-03-01T10:20:00+00:00") - 1  # the last µs the windows hold
    assert plan.export.manifest_key == f"{EXPORTS}e1_manifest.json"
    assert [s[:2] for s in spans(plan)] == [("10:00", "10:05"), ("10:05", "10:10"), ("10:10", "10:15"),
                                            ("10:15", "10:20")]
    assert all(r.cut_us is None for r in plan.windows)


def test_latest_takes_an_older_export_while_the_newest_has_no_windows_past_its_reading(backups, monkeypatch):
    monkeypatch.setattr(restore_plan, "time", FixedClock("2026-03-01T10:22:00"))
    backups.export("e2", "2026-03-01T10:16:00", "2026-03-01T10:21:00")
    plan = resolve(backups, "latest")
    assert (plan.export.manifest_key, plan.point_us) == (f"{EXPORTS}e1_manifest.json", us("2026-03-01T10:20:00+00:00") - 1)
    backups.window("2026-03-01T10:20:00", "2026-03-01T10:25:00")
    monkeypatch.setattr(restore_plan, "time", FixedClock("2026-03-01T10:31:00"))
    newer = resolve(backups, "latest")
    assert (newer.export.manifest_key, newer.point_us) == (f"{EXPORTS}e2_manifest.json", us("2026-03-01T10:25:00+00:00") - 1)


def test_latest_is_refused_when_no_export_has_windows_past_its_reading(monkeypatch):
    monkeypatch.setattr(restore_plan, "time", FixedClock("2026-03-01T10:22:00"))
    bucket = FakeBucket()
    bucket.export("e2", "2026-03-01T10:16:00", "2026-03-01T10:21:00")
    bucket.windows("2026-03-01T10:10:00", "2026-03-01T10:20:00")
    error = refusal(bucket, "latest")
    assert str(error).startswith(
        f"T latest: the committed stream windows of table 't' under oss://backups/{STREAM} do not reach past the end "
        f"of any usable full export; after the newest, oss://backups/{EXPORTS}e2_manifest.json (finished reading at "
        "2026-03-01T10:21:00.000+00:00), they reach only 2026-03-01T10:20:00.000+00:00.")
    assert error.key == KEY + "pointInTime"


def test_latest_refuses_a_gap_with_windows_after_it_instead_of_restoring_up_to_it(backups, monkeypatch):
    monkeypatch.setattr(restore_plan, "time", FixedClock("2026-03-01T10:22:00"))
    folder = "inst/t/20260301/20260301101000-20260301101500/"
    for key in [k for k in backups.objects if k.startswith(folder)]:
        del backups.objects[key]
    error = refusal(backups, "latest")
    assert ("covers [2026-03-01T10:10:00.000+00:00, 2026-03-01T10:15:00.000+00:00), between the full export's start "
            "and T (latest, 2026-03-01T10:22:00+00:00)") in str(error)
    assert error.key == KEY + "streamPrefix"
