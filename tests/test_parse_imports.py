"""Parsing the DAG files imports none of the cloud SDKs: Airflow parses every DAG file every 30 s
and each task process parses its file before it runs, and the Tablestore SDK alone costs more
CPU than the rest of a parse. The SDKs are imported where a task uses them (its ``execute``, the
readers and writers). A fresh interpreter parses the files: this process has imported the SDKs
already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SDKS = ("tablestore", "oss2", "odps", "pyarrow")

# Each SDK's first import is recorded with the frames of this repository's code that led to it.
PROBE = """
import json, os, runpy, sys, traceback
from pathlib import Path

sdks, root, chains = sys.argv[1:-1], Path(sys.argv[-1]), {}
ours = tuple(str(root / folder) + os.sep for folder in ("dags", "plugins", "include"))

class Recorder:
    def find_spec(self, name, path=None, target=None):
        if name in sdks and name not in chains:
            frames = [(os.path.realpath(f.filename), f.lineno) for f in traceback.extract_stack()]
            chains[name] = [f"{Path(file).relative_to(root)}:{line}" for file, line in frames if file.startswith(ours)]
        return None

sys.meta_path.insert(0, Recorder())
for path in sorted(Path(root, "dags").glob("*.py")):
    runpy.run_path(str(path))
print(json.dumps({name: chain for name, chain in chains.items() if name in sys.modules}))
"""


def test_parsing_every_dag_file_imports_no_cloud_sdk():
    # this checkout's package and tools first, whatever the venv has installed
    path = os.pathsep.join([str(ROOT / "plugins"), str(ROOT / "include"), os.environ.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", PROBE, *SDKS, str(ROOT)], check=False, capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": path}, timeout=300)
    assert done.returncode == 0, done.stderr
    imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert not imported, "\n".join(f"{name} imported by: {' -> '.join(chain)}" for name, chain in imported.items())
