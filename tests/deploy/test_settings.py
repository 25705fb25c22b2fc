"""One env file for both ways to run the Celery stack: docker compose takes it whole (see
test_docker_compose.py), ``make cluster`` (include/devstack/cluster.py) the same settings with
its own loopback servers in the URLs; bad settings fail with the key and the fix."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from devstack.cluster import (
    SECRETS,
    URL_SETTINGS,
    SettingsError,
    check_settings,
    native_settings,
    read_env_file,
    write_env_file,
)

ROOT = Path(__file__).resolve().parents[2]
PORTS = {"postgres": 15432, "redis": 16379, "api": 18080}


@pytest.fixture
def env_file(tmp_path) -> Path:
    """The example with fresh secrets, as `make cluster` writes .env when it is missing."""
    path = tmp_path / ".env"
    write_env_file(path)
    return path


def _edited(path: Path, **values: str) -> Path:
    lines = [line for line in path.read_text().splitlines() if line.partition("=")[0] not in values]
    path.write_text("\n".join([*lines, *(f"{k}={v}" for k, v in values.items())]) + "\n")
    return path


def test_the_native_stack_uses_every_setting_of_the_file_and_only_moves_the_servers(env_file):
    shared = read_env_file(env_file)
    check_settings(shared)
    native = native_settings(shared, PORTS)
    assert set(native) == {k for k in shared if k.startswith("AIRFLOW__")}
    assert {k: v for k, v in native.items() if k not in URL_SETTINGS} == {
        k: v for k, v in shared.items() if k.startswith("AIRFLOW__") and k not in URL_SETTINGS}
    for key, server in URL_SETTINGS.items():
        compose, here = urlsplit(shared[key]), urlsplit(native[key])
        assert (here.hostname, here.port) == ("127.0.0.1", PORTS[server]), key
        assert (here.scheme, here.username, here.password, here.path) == (
            compose.scheme, compose.username, compose.password, compose.path), key
    assert native["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql+psycopg2://")


def test_new_secrets_are_set_private_and_never_the_example(env_file):
    values = read_env_file(env_file)
    example = read_env_file(ROOT / ".env.example")
    assert all(values[k] and not example[k] for k in SECRETS)
    assert len({values[k] for k in SECRETS}) == len(SECRETS)
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    # the real one is never committed
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)
    assert ignored.returncode == 0


@pytest.mark.parametrize(("values", "phrases"), [
    pytest.param({"AIRFLOW__API__SECRET_KEY": ""}, ["AIRFLOW__API__SECRET_KEY empty", "Fix: set them"], id="empty-secret"),
    pytest.param({"AIRFLOW__CELERY__RESULT_BACKEND": "db+postgresql://airflow:airflow@postgres:5432/airflow"},
                 ["uses db+postgresql://", "Fix: AIRFLOW__CELERY__RESULT_BACKEND=db+postgresql+psycopg2://airflow"],
                 id="result-backend-without-driver"),
    pytest.param({"AIRFLOW__CORE__EXECUTOR": "LocalExecutor"}, ["AIRFLOW__CORE__EXECUTOR=CeleryExecutor"], id="executor"),
    pytest.param({"POSTGRES_PASSWORD": "other"}, ["POSTGRES_PASSWORD does not match", "Fix"], id="postgres-credentials"),
    pytest.param({"AIRFLOW__CELERY__RESULT_BACKEND": "db+postgresql+psycopg2://airflow:airflow@postgres:5432/other"},
                 ["names another database", "Fix"], id="backend-database"),
    pytest.param({"AIRFLOW__CORE__FERNET_KEY": "abc$def"}, ["contains '$'", "Fix"], id="dollar"),
])
def test_bad_settings_name_the_key_and_the_fix(env_file, values, phrases):
    with pytest.raises(SettingsError) as raised:
        check_settings(read_env_file(_edited(env_file, **values)))
    for phrase in phrases:
        assert phrase in str(raised.value)


def test_a_missing_file_says_how_to_make_it(tmp_path):
    with pytest.raises(SettingsError, match=r"cp \.env\.example \.env"):
        read_env_file(tmp_path / ".env")
