"""The backup layout (:mod:`tablestore_channels.backup_layout`): manifests committed by today's writer
stay readable and are written back unchanged, the folders are formatted and parsed as one, and a
manifest this version cannot read is refused saying why."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pendulum
import pytest

from tablestore_channels import backup_layout
from tablestore_channels.backup_layout import (
    Manifest,
    ManifestError,
    ObjectLayout,
    TableSource,
    WindowFolder,
    WindowSource,
)

# Manifests as the OSS writer of version 0.2.0 committed them (manifest_version 1). Never
# regenerate these: they stand for the exports users already have.
FIXTURES = Path(__file__).parent / "fixtures" / "manifests"


@pytest.mark.parametrize("name", ["v1_full_export.json", "v1_stream_window.json"])
def test_a_committed_manifest_of_version_1_reads_and_writes_back_byte_for_byte(name):
    body = (FIXTURES / name).read_bytes()
    manifest = Manifest.from_json(body)
    assert manifest.to_json() + b"\n" == body


def test_the_full_export_fixture_reads_into_its_typed_parts():
    manifest = Manifest.from_json((FIXTURES / "v1_full_export.json").read_bytes())
    assert isinstance(manifest.source, TableSource)
    assert manifest.source.primary_key == (("id", "STRING"),) and manifest.source.mode == "multiVersion"
    assert manifest.read_started_at_ms == 1772330400000 and manifest.read_finished_at_ms == 1772330401000
    assert manifest.format.file_format == "csv" and manifest.format.columns == ("id", "n")
    (entry,) = manifest.objects
    assert (entry.split, entry.part, entry.rows, entry.parquet_schema) == (0, 0, 2, None)
    assert manifest.totals.size == entry.size


def test_the_stream_window_fixture_reads_its_window():
    manifest = Manifest.from_json((FIXTURES / "v1_stream_window.json").read_bytes())
    assert isinstance(manifest.source, WindowSource)
    assert (manifest.source.start_ms, manifest.source.end_ms) == (1772329800000, 1772330100000)
    assert manifest.source.start == "2026-03-01T01:50:00.000+00:00"
    assert manifest.objects[0].parquet_schema == {"id": "string", "n": "int64"}


def test_fields_of_a_later_version_are_ignored_and_missing_run_details_are_left_out():
    fields = json.loads((FIXTURES / "v1_full_export.json").read_bytes())
    for name in ("dag_id", "run_id", "logical_date", "read_started_at", "read_started_at_ms"):
        fields.pop(name)
    fields["added_later"] = {"x": 1}
    written = json.loads(Manifest.from_json(json.dumps(fields)).to_json())
    assert "added_later" not in written and "dag_id" not in written and "read_started_at_ms" not in written
    assert written["source"]["max_version"] is None  # null inside a block is a value, not an absence


@pytest.mark.parametrize("body, problem", [
    ('{"manifest_version": 2}', "manifest_version 2: this version of the package reads 1 (written by a newer "
                                "version: upgrade to read it)"),
    ('{"manifest_version": "1"}', "manifest_version '1': this version of the package reads 1"),
    ("[1]", "not a JSON object but list"),
    ("{", "not JSON"),
])
def test_a_body_this_version_cannot_read_says_why(body, problem):
    with pytest.raises(ManifestError) as error:
        Manifest.from_json(body)
    assert str(error.value).startswith(problem)


def test_a_wrong_field_is_named_with_its_path():
    fields = json.loads((FIXTURES / "v1_full_export.json").read_bytes())
    fields["objects"][0]["bytes"] = "many"
    with pytest.raises(ManifestError, match=r"^objects\.0\.bytes: Input should be a valid integer"):
        Manifest.from_json(json.dumps(fields))


# --- folders -----------------------------------------------------------------------------------------

def test_a_window_folder_is_its_bounds_in_utc_to_the_second_and_parses_back():
    start = int(pendulum.datetime(2026, 3, 1, 23, 55, tz="UTC").timestamp() * 1000)
    end = start + 5 * 60_000
    folder = backup_layout.window_folder(start, end + 999)  # below a second: not in the name
    assert folder == "20260301/20260301235500-20260302000000/"
    found = WindowFolder.of(f"inst/t/{folder}run_00000_00000.csv", "inst/t/")
    assert found == WindowFolder(f"inst/t/{folder}", start, end)


@pytest.mark.parametrize("key", [
    "inst/t/20260301/run_manifest.json",  # a day folder without a window
    "inst/t/x/20260301/20260301235500-20260302000000/a",  # not directly under the prefix
    "other/20260301/20260301235500-20260302000000/a",  # another prefix
])
def test_a_key_outside_a_window_folder_is_not_one(key):
    assert WindowFolder.of(key, "inst/t/") is None


def test_an_export_folder_is_the_run_time_in_utc():
    run_time = pendulum.datetime(2026, 3, 2, 1, 30, 5, tz="Asia/Shanghai")
    assert backup_layout.export_folder(run_time) == "20260301/173005/"


def test_the_days_of_a_period_run_across_midnight():
    start = int(dt.datetime(2026, 2, 28, 23, 0, tzinfo=dt.UTC).timestamp() * 1000)
    end = int(dt.datetime(2026, 3, 1, 0, 10, tzinfo=dt.UTC).timestamp() * 1000)
    assert list(backup_layout.day_folders(start, end)) == ["20260228/", "20260301/"]


@pytest.mark.parametrize("prefix, common", [
    ("tablestore/t/20260301/173005/", "tablestore/t/"),
    ("inst/t/20260301/20260301235500-20260302000000/", "inst/t/"),
    ("exports/t/20260301/", "exports/t/"),
    ("exports/t/", "exports/t/"),
])
def test_the_run_folders_are_what_runs_do_not_share(prefix, common):
    assert backup_layout.without_run_folders(prefix) == common


def test_the_default_prefixes_are_per_table():
    assert backup_layout.export_prefix("orders") == "tablestore/orders/"
    assert backup_layout.stream_prefix("inst", "orders") == "inst/orders/"


@pytest.mark.parametrize("prefix, manifest", [
    ("exports/", "exports/20260301T020000_5f3c9a1e_manifest.json"),
    ("exports/orders", "exports/orders_20260301T020000_5f3c9a1e_manifest.json"),
])
def test_object_names_of_a_run(prefix, manifest):
    layout = ObjectLayout(prefix, "20260301T020000_5f3c9a1e", ".csv")
    assert layout.manifest_key == manifest
    assert layout.data_key(1, 2) == manifest.replace("manifest.json", "00001_00002.csv")
    assert layout.dirty_key(1) == manifest.replace("manifest.json", "00001_dirty.jsonl")
