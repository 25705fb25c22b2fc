"""No Docker engine runs here: check the compose stack's shape instead of starting it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
    "airflow-triggerer", "airflow-worker", "airflow-init",
}
AIRFLOW_SERVICES = SERVICES - {"postgres", "redis"}


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


def _locked_airflow_version() -> str:
    match = re.search(r"^apache-airflow==([\w.]+)$", (ROOT / "requirements.lock").read_text(), re.M)
    assert match, "requirements.lock pins apache-airflow"
    return match.group(1)


def test_compose_names_the_celery_stack():
    services = _compose()["services"]
    assert set(services) >= SERVICES
    commands = {name: services[name].get("command") for name in AIRFLOW_SERVICES - {"airflow-init"}}
    assert commands == {
        "airflow-apiserver": "api-server", "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor", "airflow-triggerer": "triggerer",
        "airflow-worker": "celery worker",
    }


def test_airflow_services_share_executor_secrets_and_mounts():
    services = _compose()["services"]
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert "AIRFLOW_FERNET_KEY" in env["AIRFLOW__CORE__FERNET_KEY"], name
        assert "AIRFLOW_JWT_SECRET" in env["AIRFLOW__API_AUTH__JWT_SECRET"], name
        mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in services[name]["volumes"]}
        for folder in ("dags", "plugins", "include"):
            assert mounts.get(f"./{folder}") == f"/opt/airflow/{folder}", (name, folder)
        assert services[name]["build"] == "."


def test_image_uses_the_locked_airflow_version_and_installs_the_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^FROM apache/airflow:([\w.]+?)(-python[\d.]+)?$", dockerfile, re.M)
    assert base, "Dockerfile builds FROM the official apache/airflow image"
    assert base.group(1) == _locked_airflow_version()
    assert "requirements.lock" in dockerfile
    assert re.search(r"pip install .*--no-deps.*/opt/tablestore-channels$", dockerfile, re.M)
