"""The user documentation keeps up with the code: every key a plugin accepts is documented in its
section of docs/job-files.md, every job-file variable is there, and docs/manifest.md names every
field the OSS writer puts in a manifest (taken from a manifest the writer's own commit builds,
against an in-memory bucket: no servers).

docs/install.md and the README's "Use it in your Airflow": the connection examples name only fields
the hooks read (and build clients as they are), every field a hook reads is documented, the example
DAGs listed are exactly those of the package, the compatibility table matches pyproject.toml,
requirements.lock and the Makefile's Python. docs/permissions.md lists every Tablestore and OSS API
the code calls, and its example policy grants only actions it derives."""

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
from tablestore_channels.operators.channel import run_info
from tablestore_channels.plugins.export_source import table_source, window_source
from tablestore_channels.plugins.osswriter.config import OSSWriterConfig
from tablestore_channels.plugins.osswriter.writer import OSSWriter
from tablestore_channels.plugins.otsreader.config import OTSReaderConfig
from tablestore_channels.plugins.otsstreamreader.config import OTSStreamReaderConfig
from tablestore_channels.plugins.registry import READERS, WRITERS

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


# --- docs/install.md, docs/permissions.md and the README's "Use it in your Airflow" ----------------

ROOT = DOCS.parent
INSTALL = DOCS / "install.md"
PERMISSIONS = DOCS / "permissions.md"
README = ROOT / "README.md"
PLUGINS = ROOT / "plugins" / "tablestore_channels"
EXAMPLE_DAGS = PLUGINS / "example_dags"
# AIRFLOW_CONN_<ID>='{...}' (the JSON may run over several lines)
_ENV_CONNECTION = re.compile(r"AIRFLOW_CONN_([A-Z0-9_]+)='(\{.*?\})'", re.DOTALL)
# the attributes of an Airflow connection its JSON form may set
_CONNECTION_ATTRIBUTES = {"conn_type", "description", "host", "schema", "login", "password", "port", "extra"}


def _section(text: str, heading: str) -> str:
    """From the line ``heading`` to the next heading of the same or a higher level (a ``#`` line
    inside a fenced code block is no heading)."""
    lines = text.splitlines(keepends=True)
    start = lines.index(f"{heading}\n")
    level = len(heading) - len(heading.lstrip("#"))
    fenced = False
    for end in range(start + 1, len(lines)):
        fenced ^= lines[end].startswith("```")
        if not fenced and re.match(rf"#{{1,{level}}} ", lines[end]):
            break
    else:
        end = len(lines)
    return "".join(lines[start:end])


def _extra_fields_read() -> dict[str, set[str]]:
    """Per connection type, the extra fields the channels' hooks read: the conn-fields of the
    ``tablestore`` type in provider_info, the keys OSSBucketHook gets from the extra, the fields
    MaxComputeClientHook checks."""
    import inspect

    from tablestore_channels.hooks import maxcompute, oss
    from tablestore_channels.provider_info import get_provider_info

    (tablestore,) = [t for t in get_provider_info()["connection-types"] if t["connection-type"] == "tablestore"]
    return {
        "tablestore": set(tablestore["conn-fields"]),
        "oss": set(re.findall(r'\.get\("(\w+)"\)', inspect.getsource(oss.OSSBucketHook))),
        "maxcompute": set(maxcompute._FIELDS),
    }


# The fields a connection of each type must set for the hooks to build a client.
_REQUIRED = {
    "tablestore": ({"host", "login", "password"}, {"instance_name"}),
    "oss": (set(), {"access_key_id", "access_key_secret", "region"}),
    "maxcompute": (set(), {"access_key_id", "access_key_secret", "project", "endpoint"}),
}


def _documented_connections(path: Path) -> list[tuple[str, dict]]:
    """(connection id, connection) of every AIRFLOW_CONN_* example of ``path``, and of every JSON
    block of install.md (its secrets-backend example: connections by id)."""
    text = path.read_text(encoding="utf-8")
    documented = [(conn_id.lower(), json.loads(body)) for conn_id, body in _ENV_CONNECTION.findall(text)]
    if path == INSTALL:
        documented += [item for block in re.findall(r"```json\n(.*?)```", text, re.DOTALL)
                       for item in json.loads(block).items()]
    return documented


@pytest.mark.parametrize("path", [INSTALL, README], ids=["install", "readme"])
def test_documented_connections_name_only_fields_the_hooks_read(path):
    from tablestore_channels.config import connection_ids

    read = _extra_fields_read()
    types = {connection_ids.TABLESTORE: "tablestore", connection_ids.OSS: "oss", connection_ids.MAXCOMPUTE: "maxcompute"}
    documented = _documented_connections(path)
    assert documented, f"{path.name} shows no connection"
    if path == INSTALL:
        assert {conn_id for conn_id, _ in documented} == set(types), \
            "docs/install.md: an AIRFLOW_CONN_* example of each connection type, and no other connection"
    for conn_id, conn in documented:
        conn_type = types[conn_id]
        assert conn["conn_type"] == conn_type, f"{path.name}: {conn_id} has conn_type {conn['conn_type']!r}"
        assert set(conn) <= _CONNECTION_ATTRIBUTES, f"{path.name}: {conn_id}: {set(conn) - _CONNECTION_ATTRIBUTES}"
        unknown = set(conn.get("extra", {})) - read[conn_type]
        assert not unknown, f"{path.name}: {conn_id}'s extra names fields no hook reads: {sorted(unknown)}"
        fields, extra = _REQUIRED[conn_type]
        missing = (fields - set(conn)) | (extra - set(conn.get("extra", {})))
        assert not missing, f"{path.name}: {conn_id} lacks the required {sorted(missing)}"


def test_install_documents_every_field_the_hooks_read():
    text = _section(INSTALL.read_text(encoding="utf-8"), "## 2. Connections")
    for conn_type, fields in _extra_fields_read().items():
        missing = sorted(f for f in fields if f"`{f}`" not in text)
        assert not missing, f"docs/install.md: {conn_type} fields the hook reads but the page does not name: {missing}"


def test_install_connection_examples_build_clients(monkeypatch):
    """The AIRFLOW_CONN_* examples of docs/install.md, set as they are, give the hooks what they
    need (no call is made: the clients are only built)."""
    from odps import ODPS

    from tablestore_channels.hooks.maxcompute import MaxComputeClientHook
    from tablestore_channels.hooks.oss import OSSBucketHook
    from tablestore_channels.hooks.tablestore import TablestoreHook

    # An ODPS client asks the service for its Logview and job insight hosts as it is built (falling
    # back to defaults, after retries, when it cannot): answered here, nothing leaves the machine.
    monkeypatch.setattr(ODPS, "get_logview_host", lambda self: "http://logview.test")
    monkeypatch.setattr(ODPS, "get_job_insight_host", lambda self: None)
    for conn_id, body in _ENV_CONNECTION.findall(INSTALL.read_text(encoding="utf-8")):
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id}", body)
    settings = TablestoreHook().settings
    assert (settings.endpoint, settings.instance_name) == ("https://myinst.cn-hangzhou.ots.aliyuncs.com", "myinst")
    assert OSSBucketHook().get_oss2_bucket().bucket_name == "my-backup-bucket"
    assert MaxComputeClientHook().client().project == "my_project"


def _example_dag_ids() -> set[str]:
    return {path.stem for path in EXAMPLE_DAGS.glob("*.py") if path.stem != "__init__"}


def test_install_lists_exactly_the_packaged_example_dags():
    text = _section(INSTALL.read_text(encoding="utf-8"), "## 3. The example DAGs")
    listed = set(re.findall(r"^\| `(\w+)` \|", text, re.MULTILINE))
    assert listed == _example_dag_ids(), (
        f"docs/install.md's example DAG table vs tablestore_channels/example_dags: listed only "
        f"{sorted(listed - _example_dag_ids())}, not listed {sorted(_example_dag_ids() - listed)}")
    for dag_id in listed:  # each module defines the DAG id it is named after
        assert f'"{dag_id}"' in (EXAMPLE_DAGS / f"{dag_id}.py").read_text(encoding="utf-8"), dag_id
    imported = re.findall(r"^from tablestore_channels\.example_dags\.(\w+) import dag$", text, re.MULTILINE)
    assert imported and set(imported) <= listed


def test_readme_use_it_section_names_existing_example_dags_and_links():
    text = _section(README.read_text(encoding="utf-8"), "## Use it in your Airflow")
    imported = set(re.findall(r"from tablestore_channels\.example_dags\.(\w+) import dag", text))
    assert imported and imported <= _example_dag_ids()
    for link in re.findall(r"\]\((docs/[\w./-]+\.md)(?:#[\w-]+)?\)", text):
        assert (ROOT / link).is_file(), f"README links to {link}, which does not exist"
    assert "docs/install.md" in text


def _pyproject() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _locked() -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", (ROOT / "requirements.lock").read_text(encoding="utf-8"),
                      re.MULTILINE)
    return {name.lower(): version for name, version in pins}


def _compatibility_rows() -> list[list[str]]:
    text = _section(INSTALL.read_text(encoding="utf-8"), "## 5. Compatibility")
    return [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("| ") and not line.startswith("| component")]


def test_compatibility_table_python_versions_match_the_package_and_ci():
    project = _pyproject()["project"]
    classified = [c.rsplit(":: ", 1)[1] for c in project["classifiers"]
                  if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    (row,) = [r for r in _compatibility_rows() if r[0] == "Python"]
    assert re.findall(r"\b3\.\d+\b", row[1].split("(")[0]) == classified
    assert f"`requires-python {project['requires-python']}`" in row[1]
    # CI runs the Makefile's Python (PYTHON ?= python3.x)
    (tested,) = re.findall(r"^PYTHON \?= python(3\.\d+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE)
    assert row[2] == tested


@pytest.mark.parametrize("name", ["apache-airflow", "tablestore", "oss2", "pyodps", "pyarrow",
                                  "apache-airflow-providers-alibaba", "protobuf"])
def test_compatibility_table_versions_match_pyproject_and_the_lock(name):
    from packaging.requirements import Requirement

    declared = {(r := Requirement(d)).name.lower(): r.specifier for d in _pyproject()["project"]["dependencies"]}
    rows = [r for r in _compatibility_rows() if f"`{name}`" in r[0]]
    assert len(rows) == 1, f"docs/install.md's compatibility table has no row for `{name}`"
    (row,) = rows
    (specifier,) = re.findall(r"`([^`]+)`", row[1])
    assert set(Requirement(f"x{specifier}").specifier) == set(declared[name]), f"{name}: declared {declared[name]}"
    assert row[2].split()[0] == _locked()[name], f"{name}: requirements.lock has {_locked()[name]}"
    if name == "apache-airflow":
        assert f"task SDK {_locked()['apache-airflow-task-sdk']}" in row[2]


def _apis_called() -> set[str]:
    """The Tablestore and OSS APIs the package calls: each goes through ``retry.call`` under the
    API's name."""
    labels = set()
    for path in PLUGINS.rglob("*.py"):
        labels |= set(re.findall(r'retry\.call\(\s*f?"([A-Z][A-Za-z]+)', path.read_text(encoding="utf-8")))
    return labels


def test_permissions_list_every_api_the_code_calls():
    text = PERMISSIONS.read_text(encoding="utf-8")
    calls = _section(text, "## The calls and their actions")
    # the API column of the tables: "| `GetRange` |", "| `InitiateMultipartUpload`, `UploadPart`, ... |"
    listed = {name for line in calls.splitlines() if line.startswith("| `")
              for name in re.findall(r"`(\w+)`", line.split("|")[1])}
    called = _apis_called()
    assert {"GetRange", "GetStreamRecord", "BatchWriteRow", "PutObject"} <= called  # the scan finds the calls
    missing = sorted(called - listed)
    assert not missing, f"docs/permissions.md does not list these APIs the code calls: {missing}"
    (not_called,) = re.findall(r"^Not called: (.*?)\.$", calls, re.MULTILINE | re.DOTALL)
    wrongly = sorted(set(re.findall(r"`(\w+)`", not_called)) & called)
    assert not wrongly, f"docs/permissions.md says these are not called, but they are: {wrongly}"


def test_permissions_example_policy_uses_the_listed_actions():
    text = PERMISSIONS.read_text(encoding="utf-8")
    actions = set(re.findall(r"`((?:ots|oss):\w+)`", _section(text, "## The calls and their actions")))
    (block,) = re.findall(r"```json\n(.*?)```", text, re.DOTALL)
    policy = json.loads(block)
    used = set()
    for statement in policy["Statement"]:
        named = statement["Action"]
        used |= {named} if isinstance(named, str) else set(named)
    assert used <= actions, f"the example policy grants actions the page does not derive: {sorted(used - actions)}"
