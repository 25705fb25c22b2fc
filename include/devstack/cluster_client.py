"""Driving the stack of ``make cluster`` from a script (its test, its benchmark):
``python -m devstack.cluster`` as a subprocess in a process group of its own, and Airflow's REST
API as a user's script reaches it (a token from the simple auth manager, then ``/api/v2``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests

TERMINAL = ("success", "failed")


class ClusterProcess:
    """The stack of ``make cluster`` under ``root`` (settings from ``env_file``)."""

    def __init__(self, root: Path, env_file: Path, dags_folder: Path, demo_rows: int, workers: int = 2) -> None:
        self.root = root
        self.cmd = [sys.executable, "-m", "devstack.cluster", "--env-file", str(env_file), "--root", str(root),
                    "--api-port", "0", "--workers", str(workers), "--dags-folder", str(dags_folder),
                    "--demo-rows", str(demo_rows)]
        self.output = root / "cluster-output.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 900) -> dict:
        """Start it and wait until it says where everything is (``cluster.json``)."""
        with open(self.output, "ab") as out:
            self.process = subprocess.Popen(self.cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        state_file, deadline = self.root / "cluster.json", time.monotonic() + timeout
        while not state_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"the cluster did not come up ({self.process.returncode}):\n"
                                     + self.output.read_text(errors="replace")[-5000:])
            time.sleep(1)
        return json.loads(state_file.read_text())

    def group(self) -> list[psutil.Process]:
        """The processes of its process group: itself and everything it started."""
        found = []
        for process in psutil.process_iter():
            try:
                if self.process is not None and os.getpgid(process.pid) == self.process.pid:
                    found.append(process)
            except (ProcessLookupError, psutil.NoSuchProcess):
                continue
        return found

    def stop(self, timeout: float = 120) -> int | None:
        """SIGTERM, as a user's Ctrl-C or a service manager would; SIGKILL to the group if it hangs."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


class AirflowApi:
    """Airflow's REST API with a token of the cluster's login."""

    def __init__(self, state: dict) -> None:
        self.base = state["api_url"]
        password = json.loads(Path(state["passwords_file"]).read_text())[state["login"]]
        token = requests.post(f"{self.base}/auth/token", json={"username": state["login"], "password": password},
                              timeout=60)
        token.raise_for_status()
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def call(self, method: str, path: str, **kwargs):
        response = self.session.request(method, f"{self.base}/api/v2/{path}", timeout=60, **kwargs)
        assert response.ok, (method, path, response.status_code, response.text[:2000])
        return response.json()

    def unpause(self, dag_id: str, timeout: float = 300) -> None:
        """Once the DAG processor has stored the DAG."""
        deadline = time.monotonic() + timeout
        while self.session.get(f"{self.base}/api/v2/dags/{dag_id}", timeout=60).status_code != 200:
            assert time.monotonic() < deadline, f"DAG {dag_id} was not parsed in {timeout} s"
            time.sleep(2)
        self.call("PATCH", f"dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: dict) -> str:
        run = self.call("POST", f"dags/{dag_id}/dagRuns",
                        json={"logical_date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "conf": conf})
        return run["dag_run_id"]

    def wait(self, dag_id: str, run_id: str, timeout: float = 600) -> str:
        deadline = time.monotonic() + timeout
        while (state := self.call("GET", f"dags/{dag_id}/dagRuns/{run_id}")["state"]) not in TERMINAL:
            assert time.monotonic() < deadline, (run_id, state, self.task_instances(dag_id, run_id))
            time.sleep(2)
        return state

    def task_instances(self, dag_id: str, run_id: str, task: str | None = None) -> list[dict]:
        found = self.call("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})
        return [ti for ti in found["task_instances"] if task is None or ti["task_id"].endswith(task)]

    def tries(self, dag_id: str, run_id: str, ti: dict) -> list[dict]:
        found = self.call("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/{ti['map_index']}/tries")
        return sorted(found["task_instances"], key=lambda t: t["try_number"])

    def result(self, dag_id: str, run_id: str, ti: dict):
        entry = self.call("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/xcomEntries/return_value",
                          params={"map_index": ti["map_index"], "deserialize": True})
        return entry["value"]

    def events(self, dag_id: str, run_id: str, event: str) -> list[dict]:
        found = self.call("GET", "eventLogs", params={"dag_id": dag_id, "run_id": run_id, "event": event, "limit": 100})
        return found["event_logs"]
