"""The user documentation keeps up with the code: every key a plugin accepts is documented in its
section of docs/job-files.md, every job-file variable is there, and docs/manifest.md names every
field the OSS writer puts in a manifest (taken from a manifest the writer's own commit builds,
against an in-memory bucket: no servers)."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pendulum
import pytest

from tablestore_channels.authoring.job_variables import _scheduling_variables
from tablestore_channels.channel import read_period
from tablestore_channels.config.oss_writer import OSSWriterConfig
from tablestore_channels.config.ots_reader import OTSReaderConfig
from tablestore_channels.config.ots_stream_reader import OTSStreamReaderConfig
from tablestore_channels.config.registry import READERS, WRITERS
from tablestore_channels.operators.channel import run_info
from tablestore_channels.readers.export_source import table_source, window_source
from tablestore_channels.writers.oss import OSSWriter

DOCS = Path(__file__).resolve().parents[1] / "docs"
JOB_FILES = DOCS / "job-files.md"
MANIFEST = DOCS / "manifest.md"
# "### Reader `otsstream`" / "### Writer `odps`": a plugin's section runs to the next heading of
# level 1 to 3
_PLUGIN_HEADING = re.compile(r"^### (Reader|Writer) `([a-z]+)`\s*$", re.MULTILINE)
_SECTION_END = re.compile(r"^#{1,3} ", re.MULTILINE)


def _sections(text: str) -> dict[tuple[str, str], str]:
    sections = {}
    for match in _PLUGIN_HEADING.finditer(text):
        end = _SECTION_END.search(text, match.end())
        sections[(match.group(1).lower(), match.group(2))] = text[match.end():end.start() if end else len(text)]
    return sections


PLUGINS = [("reader", name, plugin.config) for name, plugin in READERS.items()] + \
          [("writer", name, plugin.config) for name, plugin in WRITERS.items()]


@pytest.mark.parametrize(("role", "name", "config"), PLUGINS, ids=[f"{r}-{n}" for r, n, _ in PLUGINS])
def test_every_key_of_a_plugin_is_documented_in_its_section(role, name, config):
    sections = _sections(JOB_FILES.read_text(encoding="utf-8"))
    assert (role, name) in sections, f"docs/job-files.md has no heading '### {role.title()} `{name}`'"
    missing = [key for key in config.ALLOWED if f"`{key}`" not in sections[(role, name)]]
    assert not missing, f"{role} {name}: keys not documented in its section of docs/job-files.md: {missing}"


def test_every_job_file_variable_is_documented():
    text = JOB_FILES.read_text(encoding="utf-8")
    missing = [name for name in _scheduling_variables("UTC") if f"${{{name}}}" not in text]
    assert not missing, f"variables not documented in docs/job-files.md: {missing}"


class _MemoryBucket:
    """The part of ``oss2.Bucket`` the OSS writer calls, in memory."""

    bucket_name = "docs"

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.uploads: dict[str, tuple[str, dict[int, bytes]]] = {}
        self._ids = itertools.count(1)

    def get_bucket_info(self):
        return SimpleNamespace()

    def init_multipart_upload(self, key):
        upload_id = f"upload-{next(self._ids)}"
        self.uploads[upload_id] = (key, {})
        return SimpleNamespace(upload_id=upload_id)

    def upload_part(self, key, upload_id, number, data):
        self.uploads[upload_id][1][number] = bytes(data)
        return SimpleNamespace(etag=f"etag-{number}")

    def complete_multipart_upload(self, key, upload_id, parts):
        _, stored = self.uploads.pop(upload_id)
        self.objects[key] = b"".join(stored[n] for n in sorted(stored))

    def abort_multipart_upload(self, key, upload_id):
        self.uploads.pop(upload_id, None)

    def put_object(self, key, data):
        self.objects[key] = bytes(data)

    def batch_delete_objects(self, keys):
        for key in keys:
            self.objects.pop(key, None)

    def list_objects_v2(self, prefix="", **_):
        listed = [SimpleNamespace(key=k, size=len(v)) for k, v in sorted(self.objects.items()) if k.startswith(prefix)]
        return SimpleNamespace(object_list=listed, prefix_list=[], is_truncated=False, next_continuation_token="")

    def list_multipart_uploads(self, prefix="", **_):
        listed = [SimpleNamespace(key=k, upload_id=u) for u, (k, _) in self.uploads.items() if k.startswith(prefix)]
        return SimpleNamespace(upload_list=listed, prefix_list=[], is_truncated=False, next_key_marker="",
                               next_upload_id_marker="")


def _manifest(writer_parameter: dict, source: dict) -> dict:
    """The manifest the OSS writer commits for a one-split run of two records, with the run
    details the commit operator and the job's commit hand it."""
    dag_run = SimpleNamespace(dag_id="docs", run_id="manual__docs", logical_date=pendulum.datetime(2026, 3, 1, 2),
                              run_after=pendulum.datetime(2026, 3, 1, 2))
    run = run_info({"dag_run": dag_run})
    bucket = _MemoryBucket()
    writer = OSSWriter(bucket, OSSWriterConfig.from_parameter(writer_parameter), run.run_key)
    columns = ["id", "n"]
    sink = writer.open_split(0, columns, writer.prepare(columns))
    for record in (("a", 1), ("b", 2)):
        sink.write(record)
    result = {**sink.close(), "read": 2, "written": 2, "seconds": 0.1,
              read_period.SPLIT_STARTED: 1772330400000, read_period.SPLIT_FINISHED: 1772330401000}
    details = {**run.details, "read": 2, **read_period.of_splits([result]), "source": source}
    writer.commit([result], details, {})
    return json.loads(bucket.objects[writer.layout.manifest_key])


def _field_names(manifest: dict) -> set[str]:
    """Every key of the manifest: top level, and of its nested objects and list entries (not
    the column names that key a Parquet object's ``schema``)."""
    names: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            names.update(value)
            for key, item in value.items():
                if key != "schema":
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(manifest)
    return names


def test_manifest_doc_names_every_field_the_writer_writes():
    describe = SimpleNamespace(
        table_meta=SimpleNamespace(schema_of_primary_key=[("id", "STRING")], defined_columns=[("n", "INTEGER")]),
        table_options=SimpleNamespace(max_version=1, time_to_live=-1))
    full = _manifest({"object": "exports/", "writeMode": "truncate", "fileFormat": "csv"},
                     table_source(OTSReaderConfig.from_parameter({"table": "t", "column": ["id", "n"]}), describe))
    window = _manifest({"object": "windows/", "writeMode": "truncate", "fileFormat": "parquet"},
                       window_source(OTSStreamReaderConfig.from_parameter(
                           {"dataTable": "t", "startTimestampMillis": 1772329800000, "endTimestampMillis": 1772330100000})))
    text = MANIFEST.read_text(encoding="utf-8")
    top_level = set(full) | set(window)
    assert {"manifest_version", "source", "objects", "format", "totals", "read_started_at_ms"} <= top_level
    missing = sorted(name for name in top_level | _field_names(full) | _field_names(window) if f"`{name}`" not in text)
    assert not missing, f"manifest fields not documented in docs/manifest.md: {missing}"
