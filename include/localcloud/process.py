"""Run ``python -m localcloud serve`` as a child process (tests, benchmarks, the demo)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


class LocalCloudProcess:
    """A ``localcloud serve`` subprocess on free loopback ports.

    ``endpoints`` is the parsed endpoints file. ``restart()`` keeps ``data_dir`` and the ports, so
    tests can check that data survives a restart and clients keep their endpoints.
    """

    def __init__(self, workdir: Path, services: tuple[str, ...] | None = None,
                 data_dir: Path | None = None) -> None:
        self.workdir = Path(workdir)
        self.services = services
        self.data_dir = data_dir if data_dir is not None else self.workdir / "data"
        self.endpoints_file = self.workdir / "endpoints.json"
        self.log_file = self.workdir / "localcloud.log"
        self.endpoints: dict = {}
        self._proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        """The server process id while it runs (benchmarks read its memory in /proc)."""
        return None if self._proc is None else self._proc.pid

    def _port_args(self) -> list[str]:
        args = []
        for name, info in self.endpoints.items():
            port = info["endpoint"].split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1]
            args += [f"--{name}-port", port]
        return args

    def start(self, timeout: float = 60.0) -> dict:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.endpoints_file.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "localcloud", "serve", "--data-dir", str(self.data_dir),
               "--endpoints-file", str(self.endpoints_file), *self._port_args()]
        if self.services:
            cmd += ["--services", ",".join(self.services)]
        log = open(self.log_file, "ab")
        self._proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy())
        log.close()
        deadline = time.monotonic() + timeout
        while not self.endpoints_file.exists():
            if self._proc.poll() is not None:
                raise RuntimeError(f"localcloud exited with {self._proc.returncode}; see {self.log_file}:\n"
                                   + self.log_file.read_text()[-4000:])
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"localcloud did not write {self.endpoints_file} in {timeout}s")
            time.sleep(0.05)
        self.endpoints = json.loads(self.endpoints_file.read_text())
        return self.endpoints

    def stop(self, timeout: float = 30.0) -> int | None:
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        code, self._proc = self._proc.returncode, None
        return code

    def kill(self) -> None:
        """SIGKILL, as a crash would: for atomicity tests."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None

    def restart(self) -> dict:
        self.stop()
        return self.start()

    def __enter__(self) -> LocalCloudProcess:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
