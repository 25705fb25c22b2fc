"""The path a team takes to adopt the package in an Airflow of its own: build the wheel, install it
with the runtime lock into a fresh venv (no path of this repository on it: no plugins/, no
include/, run from outside the repository), a fresh Airflow home, a DAGs folder holding only the
team's DAG files (tests/deploy/user_dags/, written on the public API), and `airflow dags test`
against the local servers started from the development venv, the connections given as
AIRFLOW_CONN_* variables. What the runs wrote is read back from the servers. The example DAGs
shipped in the wheel parse there with no import error."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pendulum
import pyarrow.parquet as pq
import pytest
from odps import ODPS

from devstack.connections import as_environment
from tablestore_channels import __version__
from tablestore_channels.channel.stream_window import stream_window
from tests.support.exports import create_table, delimited_rows, object_bytes, only_manifest, oss_bucket, ots_client
from tests.support.metadata_db import migrated
from tests.support.streams import at_second, create_stream_table, put, update

ROOT = Path(__file__).resolve().parents[2]
USER_DAGS = Path(__file__).resolve().parent / "user_dags"
UV = str(Path(sys.executable).with_name("uv"))
DISTRIBUTION = "airflow-provider-tablestore-channels"
RUN = pendulum.datetime(2031, 3, 1, tz="UTC")  # the logical date of the daily DAGs' test runs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

ORDERS = [([("order_id", f"o{i:04d}")], [("customer", f"c{i % 7}"), ("amount", i * 1.25), ("status", "paid")])
          for i in range(300)]
TABLES = {"shop_customers": ("name", "customer"), "shop_products": ("title", "product"),
          "shop_payments": ("method", "card")}


def _run(*command: str | Path, cwd: Path, env: dict | None = None, timeout: float = 600) -> str:
    """Run ``command``; its whole output is kept in ``cwd/commands.log``."""
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    with open(cwd / "commands.log", "a") as log:
        log.write(f"$ {' '.join(str(part) for part in command)}\n{done.stdout}{done.stderr}\n")
    assert done.returncode == 0, (command, done.stdout[-3000:], done.stderr[-2000:], f"see {cwd / 'commands.log'}")
    return done.stdout


def _json(output: str):
    """The JSON the CLI printed last (log lines come before it on stdout)."""
    [last] = [line for line in output.splitlines() if line.startswith(("[", "{"))][-1:]
    return json.loads(last)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("team")


@pytest.fixture(scope="module")
def wheel(workdir) -> Path:
    """The wheel of the working tree's package, built from a copy of what the build reads (the
    build tools of the development venv: no download)."""
    source = workdir / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source)
    shutil.copytree(ROOT / "plugins", source / "plugins", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    _run(UV, "build", "--wheel", "--no-build-isolation", "--python", sys.executable, "--out-dir", workdir / "dist",
         source, cwd=workdir)
    [built] = (workdir / "dist").glob("*.whl")
    assert built.name == f"{DISTRIBUTION.replace('-', '_')}-{__version__}-py3-none-any.whl"
    return built


@pytest.fixture(scope="module")
def venv(wheel, workdir) -> Path:
    """A fresh venv: the runtime lock (from uv's cache), then the wheel alone."""
    venv = workdir / "venv"
    _run(UV, "venv", "--quiet", "--python", sys.executable, venv, cwd=workdir)
    python = venv / "bin" / "python"
    _run(UV, "pip", "sync", "--quiet", "--python", python, ROOT / "requirements.lock", cwd=workdir)
    _run(UV, "pip", "install", "--quiet", "--python", python, "--no-deps", wheel, cwd=workdir)
    return venv


@pytest.fixture(scope="module")
def airflow(venv, workdir, localcloud):
    """A fresh Airflow home (SQLite) whose DAGs folder holds only the team's DAG files; returns
    ``airflow(*args, dags_folder=None)``, which runs the venv's CLI from outside the repository
    (``airflow.python(*args)`` its python)."""
    home, dags = workdir / "airflow", workdir / "dags"
    dags.mkdir()
    for path in USER_DAGS.glob("*.py"):
        shutil.copy(path, dags)
    env = {"PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin", "HOME": str(workdir), "LANG": "C.UTF-8",
           "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
           "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
           "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", **as_environment(localcloud.endpoints)}

    cli = _Airflow(venv, workdir, env)
    migrated(home / "airflow.db", lambda: cli("db", "migrate"))  # the same Airflow version as the venv's
    return cli


class _Airflow:
    """The venv's ``airflow`` CLI (and its ``python``) in the team's Airflow home, run from
    outside the repository."""

    def __init__(self, venv: Path, workdir: Path, env: dict) -> None:
        self.venv, self.workdir, self.env = venv, workdir, env

    def __call__(self, *args: str, dags_folder: Path | None = None) -> str:
        extra = {"AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder)} if dags_folder else {}
        return _run(self.venv / "bin" / "airflow", *args, cwd=self.workdir, env={**self.env, **extra})

    def python(self, *args: str) -> str:
        return _run(self.venv / "bin" / "python", *args, cwd=self.workdir, env=self.env)


@pytest.fixture(scope="module")
def cloud(localcloud) -> dict:
    endpoints = localcloud.endpoints
    client = ots_client(endpoints)
    create_table(client, "shop_orders", [("order_id", "STRING")], ORDERS)
    for table, (column, word) in TABLES.items():
        create_table(client, table, [("id", "STRING")], [([("id", f"{word}{i}")], [(column, f"{word} {i}")])
                                                         for i in range(5)], defined_columns=[(column, "STRING")])
    return endpoints


def test_the_wheel_alone_provides_the_package(venv, workdir):
    probe = ("import importlib.metadata, importlib.util, json, sys, tablestore_channels\n"
             "from airflow.providers_manager import ProvidersManager\n"
             f"info = ProvidersManager().providers[{DISTRIBUTION!r}]\n"
             "print(json.dumps({'path': sys.path, 'package': tablestore_channels.__file__,\n"
             f"    'version': importlib.metadata.version({DISTRIBUTION!r}), 'provider': info.version,\n"
             "    'tools': [n for n in ('localcloud', 'devstack') if importlib.util.find_spec(n)]}))\n")
    found = json.loads(_run(venv / "bin" / "python", "-c", probe, cwd=workdir,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(workdir),
                                 "AIRFLOW_HOME": str(workdir / "probe")}).splitlines()[-1])
    assert not [entry for entry in found["path"] if entry.startswith(str(ROOT))], found["path"]
    assert found["package"].startswith(str(venv)) and found["tools"] == []
    assert found["version"] == found["provider"] == __version__


def test_the_shipped_example_dags_parse_from_the_wheel_alone(venv, airflow):
    [examples] = venv.glob("lib/python*/site-packages/tablestore_channels/example_dags")
    errors = airflow("dags", "list-import-errors", "--local", "--output", "json", dags_folder=examples)
    assert _json(errors) == [], errors
    listed = _json(airflow("dags", "list", "--local", "--output", "json", dags_folder=examples))
    assert {dag["dag_id"] for dag in listed} == {path.stem for path in examples.glob("tablestore_*.py")}


def test_the_daily_parquet_export(airflow, cloud):
    airflow("dags", "test", "orders_daily_parquet", RUN.isoformat())
    bucket = oss_bucket(cloud)
    manifest = only_manifest(bucket, f"exports/shop_orders/{RUN:%Y%m%d}/")
    assert manifest["format"]["fileFormat"] == "parquet" and manifest["totals"]["rows"] == len(ORDERS)
    rows = [row for entry in manifest["objects"]
            for row in pq.read_table(io.BytesIO(object_bytes(bucket, entry))).to_pylist()]
    assert sorted(rows, key=lambda row: row["order_id"]) == [
        {"order_id": pk[0][1], **dict(attrs)} for pk, attrs in ORDERS]


def test_the_maxcompute_load(airflow, cloud):
    mc = cloud["maxcompute"]
    odps = ODPS(mc["access_key_id"], mc["access_key_secret"], mc["project"], endpoint=mc["endpoint"])
    odps.execute_sql("CREATE TABLE shop_orders_snapshot (order_id STRING, customer STRING, amount DOUBLE, "
                     "status STRING) PARTITIONED BY (pt STRING)")
    airflow("dags", "test", "orders_to_maxcompute", RUN.isoformat())
    with odps.get_table("shop_orders_snapshot").open_reader(partition=f"pt={RUN:%Y%m%d}", arrow=True) as reader:
        loaded = [row for batch in reader for row in batch.to_pylist()]
    assert sorted((r["order_id"], r["customer"], r["amount"], r["status"]) for r in loaded) == [
        (pk[0][1], *(value for _, value in attrs)) for pk, attrs in ORDERS]


def test_the_stream_sync(airflow, cloud):
    client = ots_client(cloud)
    create_stream_table(client, "shop_order_events")
    start = int(time.time()) + 1
    at_second(start)
    for i in range(3):
        put(client, "shop_order_events", f"e{i}", i, status="new")
    update(client, "shop_order_events", "e1", 1, put={"status": "paid"})
    run = at_second(start + 2)  # the run's time; with a lag of 0 its window has settled then
    time.sleep(0.01)
    airflow("dags", "test", "order_events_stream", run.isoformat(), "--conf",
            json.dumps({"window_minutes": 1, "lag_minutes": 0}))
    window = stream_window(run, window_minutes=1, lag_minutes=0)
    bucket = oss_bucket(cloud)
    manifest = only_manifest(bucket, f"streams/shop_order_events/{window.path}")
    assert sorted(delimited_rows(bucket, manifest)) == [
        ["e0", "0", "new"], ["e1", "1", "new"], ["e1", "1", "paid"], ["e2", "2", "new"]]


def test_one_dag_per_table_of_the_list(airflow, cloud):
    """Every table's DAG of the list runs (one process tests them all, as `airflow dags test`
    does each: three CLI starts cost more than the runs)."""
    dag_ids = [f"{table}_daily_export" for table in TABLES]
    airflow.python("-c", "import sys, pendulum\n"
            "from airflow.dag_processing.dagbag import DagBag\n"
            "bag = DagBag()\n"
            "for dag_id in sys.argv[2:]:\n"
            "    assert bag.dags[dag_id].test(logical_date=pendulum.parse(sys.argv[1])).state == 'success', dag_id\n",
            RUN.isoformat(), *dag_ids)
    bucket = oss_bucket(cloud)
    for table, (_, word) in TABLES.items():
        manifest = only_manifest(bucket, f"exports/{table}/{RUN:%Y%m%d}/")
        assert sorted(delimited_rows(bucket, manifest)) == [[f"{word}{i}", f"{word} {i}"] for i in range(5)], table
