"""Running the Node.js conformance scripts: each test module runs one script (under ``node/``)
against the session's local servers and asserts on the JSON it prints, one test per step.

The SDKs are pinned in ``node/package.json`` / ``package-lock.json`` and installed by
``make node-deps`` (``make test`` does it first); nothing is downloaded while the tests run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"
INSTALLED = NODE_DIR / "node_modules" / ".package-lock.json"


def run_node(script: str, endpoints: dict, env: dict[str, str] | None = None, timeout: float = 180) -> dict:
    """Run ``node/<script>`` with the endpoints in LOCALCLOUD_ENDPOINTS; its report by step."""
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH: the conformance tests need Node.js 18 or newer")
    if not INSTALLED.exists():
        pytest.fail(f"the Node.js SDKs are not installed in {NODE_DIR / 'node_modules'}: run `make node-deps`")
    completed = subprocess.run(
        ["node", script], check=False, cwd=NODE_DIR, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "LOCALCLOUD_ENDPOINTS": json.dumps(endpoints), **(env or {})})
    if completed.returncode != 0:
        pytest.fail(f"node {script} exited with {completed.returncode}:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout)


def python_value(value):
    """The script's JSON back to Python values: {"int": "12"} -> 12, {"bin": "00ff"} -> b"\\x00\\xff"."""
    if isinstance(value, dict):
        if value.keys() == {"int"}:
            return int(value["int"])
        if value.keys() == {"bin"}:
            return bytes.fromhex(value["bin"])
        return {k: python_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [python_value(v) for v in value]
    return value


class Report:
    """A script's report; ``report["step"]`` is the step's result, or fails naming the call."""

    def __init__(self, script: str, steps: dict) -> None:
        self.script = script
        self.steps = steps

    def __getitem__(self, step: str):
        entry = self.steps.get(step)
        if entry is None:
            pytest.fail(f"{self.script} reported no step {step!r}")
        if "error" in entry:
            error = entry["error"]
            pytest.fail(f"{self.script} step {step!r}: call {error['call']!r} failed: "
                        f"{error.get('code')} {error['message']}\n{error.get('stack', '')}")
        return python_value(entry["result"])
