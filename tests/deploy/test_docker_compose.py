"""No Docker engine runs here: check the compose stack's shape and the image's install steps
instead of starting them."""

from __future__ import annotations

import ipaddress
import re
import shlex
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from devstack.cluster import read_env_file

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
    "airflow-triggerer", "airflow-worker", "airflow-init", "localcloud", "airflow-localcloud-init",
}
AIRFLOW_SERVICES = SERVICES - {"postgres", "redis", "localcloud"}
# `make lock` resolves for Python 3.11 (from 3.11.0): markers are evaluated as it does
LOCK_MARKERS = {"python_version": "3.11", "python_full_version": "3.11.0"}


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


def _locked(path: Path) -> dict[str, str]:
    return {canonicalize_name(name): version
            for name, version in re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)$", path.read_text(), re.M)}


def _requirements(path: Path) -> dict[str, Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return {canonicalize_name(r.name): r for r in (Requirement(line) for line in lines if line and line[0] != "-")}


def test_compose_runs_the_celery_stack_and_the_local_servers():
    services = _compose()["services"]
    assert set(services) == SERVICES
    commands = {name: services[name].get("command") for name in AIRFLOW_SERVICES - {"airflow-init", "airflow-localcloud-init"}}
    assert commands == {
        "airflow-apiserver": "api-server", "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor", "airflow-triggerer": "triggerer",
        "airflow-worker": "celery worker",
    }
    # tasks run only once the connections to the local servers are in the DB
    assert services["airflow-worker"]["depends_on"]["airflow-localcloud-init"]["condition"] == "service_completed_successfully"


def test_every_airflow_service_takes_the_env_file_whole_and_overrides_none_of_it():
    shared = read_env_file(ROOT / ".env.example")
    for name in AIRFLOW_SERVICES:
        service = _compose()["services"][name]
        assert service["env_file"] == [".env"], name
        assert not set(service.get("environment", {})) & set(shared), name
        assert service["build"] == "." and service["image"].startswith("tablestore-channels-airflow:"), name


def test_postgres_is_created_with_the_credentials_of_the_env_file():
    env = _compose()["services"]["postgres"]["environment"]
    assert {key: value.split(":", 1)[0] for key, value in env.items()} == {
        key: "${" + key for key in ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB")}


def test_one_copy_of_the_package_plugins_is_not_mounted():
    for name, service in _compose()["services"].items():
        sources = [volume.split(":", 1)[0] for volume in service.get("volumes", [])]
        assert not any(s.rstrip("/") in ("./plugins", "plugins") for s in sources), name
    mounted = {v.split(":")[0]: v.split(":")[1] for v in _compose()["services"]["airflow-scheduler"]["volumes"]}
    assert mounted["./dags"] == "/opt/airflow/dags" and mounted["./include"] == "/opt/airflow/include"
    assert not (ROOT / "dags" / "tablestore_channels").exists() and not (ROOT / "include" / "tablestore_channels").exists()


def test_the_local_servers_listen_where_their_connections_point():
    compose = _compose()
    service = compose["services"]["localcloud"]
    args = shlex.split(service["command"][-1])
    address = service["networks"]["default"]["ipv4_address"]
    assert args[args.index("--host") + 1] == address
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)
    endpoints = args[args.index("--endpoints-file") + 1]
    init = compose["services"]["airflow-localcloud-init"]
    assert shlex.split(init["command"][-1]).count(endpoints) == 2  # connections, then the demo table
    volume = next(v for v in service["volumes"] if v.startswith("localcloud-data:"))
    assert any(v.startswith(volume) for v in init["volumes"]) and endpoints.startswith(volume.split(":")[1])


def test_image_installs_the_runtime_lock_and_the_package_once():
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^FROM apache/airflow:([\w.]+?)(-python[\d.]+)?$", dockerfile, re.M)
    assert base, "Dockerfile builds FROM the official apache/airflow image"
    assert base.group(1) == _locked(ROOT / "requirements.lock")["apache-airflow"]
    copied = dict(re.findall(r"^COPY (?:--\S+ )*(\S+\.lock) (\S+)$", dockerfile, re.M))
    assert copied == {"requirements.lock": "/opt/tablestore-channels/requirements.lock"}
    installs = re.findall(r"^RUN pip install (.*)$", dockerfile, re.M)
    assert installs == ["--no-cache-dir -r /opt/tablestore-channels/requirements.lock",
                        "--no-cache-dir --no-deps --no-build-isolation /opt/tablestore-channels"]


def test_the_runtime_lock_is_exactly_what_requirements_txt_needs():
    """The image's lock holds the pins of requirements.txt and everything they require (read from
    the installed packages' metadata), nothing else: no test or build tool."""
    pins = _requirements(ROOT / "requirements.txt")
    needed: dict[str, set[str]] = {}
    todo = [(name, set(r.extras)) for name, r in pins.items()]
    while todo:
        name, extras = todo.pop()
        known = needed.setdefault(name, set())
        if known and extras | {""} <= known:
            continue
        known |= extras | {""}
        for raw in metadata.distribution(name).requires or []:
            req = Requirement(raw)
            if req.marker is None or any(req.marker.evaluate({**LOCK_MARKERS, "extra": e}) for e in known):
                todo.append((canonicalize_name(req.name), set(req.extras)))
    runtime, development = _locked(ROOT / "requirements.lock"), _locked(ROOT / "requirements-dev.lock")
    assert set(runtime) == set(needed)
    assert all(runtime[name] == str(r.specifier).removeprefix("==") for name, r in pins.items())
    assert all(development[name] == version for name, version in runtime.items())  # `make lock`: same versions
    for tool in ("pytest", "ruff", "mypy", "uv", "grpcio-tools", "aiosmtpd"):
        assert tool in development and tool not in runtime
    # what a Celery deployment needs
    assert {"apache-airflow-providers-celery", "celery", "redis", "psycopg2-binary", "asyncpg"} <= set(runtime)
