"""The `python -m localcloud serve` contract other checks rely on."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import oss2
import pytest

from devstack.processes import free_port

# It starts `localcloud serve` itself, the command it checks, rather than through a fixture.
pytestmark = pytest.mark.integration


def _serve(*args: str, env: dict | None = None) -> subprocess.Popen:
    # output to a file: an unread pipe would fill up and block the server
    log = tempfile.TemporaryFile()
    return subprocess.Popen([sys.executable, "-m", "localcloud", "serve", *args],
                            stdout=log, stderr=log, env=env)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, "localcloud serve exited early"
        assert time.monotonic() < deadline, "no endpoints file"
        time.sleep(0.05)
    return json.loads(path.read_text())


def test_serve_writes_endpoints_for_the_given_ports_and_exits_0_on_sigterm(tmp_path):
    ports = {name: free_port() for name in ("tablestore", "oss", "maxcompute")}
    endpoints_file = tmp_path / "endpoints.json"
    private_tmp = tmp_path / "tmp"  # the server's temporary data folder goes here
    private_tmp.mkdir()
    proc = _serve("--endpoints-file", str(endpoints_file), *(a for n, p in ports.items() for a in (f"--{n}-port", str(p))),
                  env={**os.environ, "TMPDIR": str(private_tmp)})
    endpoints = _wait_for(endpoints_file, proc)
    assert [p.name for p in private_tmp.iterdir()][0].startswith("localcloud-")
    assert endpoints["tablestore"]["endpoint"] == f"http://127.0.0.1:{ports['tablestore']}"
    assert endpoints["oss"]["endpoint"] == f"http://127.0.0.1:{ports['oss']}"
    assert endpoints["maxcompute"]["endpoint"] == f"http://127.0.0.1:{ports['maxcompute']}/api"
    for info in endpoints.values():
        assert info["access_key_id"] and info["access_key_secret"]
    assert endpoints["tablestore"]["instance"] and endpoints["oss"]["bucket"] and endpoints["maxcompute"]["project"]
    # every server accepts connections once the file exists
    for port in ports.values():
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    # without --data-dir the data was temporary and is gone
    assert list(private_tmp.iterdir()) == []


def test_data_dir_survives_a_restart(tmp_path):
    data = tmp_path / "data"
    endpoints_file = tmp_path / "endpoints.json"
    proc = _serve("--services", "oss", "--data-dir", str(data), "--endpoints-file", str(endpoints_file))
    oss = _wait_for(endpoints_file, proc)["oss"]
    bucket = oss2.Bucket(oss2.Auth(oss["access_key_id"], oss["access_key_secret"]), oss["endpoint"], oss["bucket"])
    bucket.put_object("kept.txt", b"still here")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    endpoints_file.unlink()
    proc = _serve("--services", "oss", "--data-dir", str(data), "--endpoints-file", str(endpoints_file))
    try:
        oss = _wait_for(endpoints_file, proc)["oss"]
        bucket = oss2.Bucket(oss2.Auth(oss["access_key_id"], oss["access_key_secret"]), oss["endpoint"], oss["bucket"])
        assert bucket.get_object("kept.txt").read() == b"still here"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_every_service_package_builds_a_service(tmp_path):
    """serve starts each package through its ``build`` (a ServiceFactory) and the Service protocol."""
    import importlib

    from localcloud.serve import SERVICES
    from localcloud.service import Service
    from localcloud.settings import Settings

    for name, module in SERVICES.items():
        service = importlib.import_module(module).build(tmp_path / name, Settings())
        try:
            assert isinstance(service, Service), name
            info = service.endpoint_info("127.0.0.1", 1)
            assert info["endpoint"].startswith("http://127.0.0.1:1"), name
        finally:
            service.close()
