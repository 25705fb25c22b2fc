"""``make demo``: the full export, end to end, on the local servers.

Starts the local Tablestore / OSS / MaxCompute servers (data in ``.localcloud/``), creates the demo
table (IoT readings, whole-row writes, stream enabled) and what the other DAGs need, runs the full-export DAG through Airflow
(``airflow dags test``), then prints the manifest and the first lines of the output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import oss2

from devstack import demo_data, targets
from devstack.connections import as_environment
from localcloud.process import LocalCloudProcess

ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "tablestore_full_export_oss"


def _say(message: str) -> None:
    print(f"\n==> {message}", flush=True)


def main() -> int:
    cloud = LocalCloudProcess(ROOT / ".localcloud")
    _say("Starting the local Tablestore, OSS and MaxCompute servers")
    endpoints = cloud.start(timeout=300)
    try:
        env = {**os.environ, **as_environment(endpoints)}
        _say(f"Creating table {demo_data.TABLE} with {targets.ROWS:,} readings, and what the other DAGs need")
        started = time.monotonic()
        for line in targets.prepare(endpoints, reload=True):
            print(f"    {line}")
        print(f"    done in {time.monotonic() - started:.0f} s")

        _say(f"Running DAG {DAG_ID} through Airflow (airflow dags test)")
        conf = {"table": demo_data.TABLE, "concurrent": 2}  # the rest: the DAG's defaults
        started = time.monotonic()
        run = subprocess.run([str(Path(sys.executable).with_name("airflow")), "dags", "test", DAG_ID,
                              "--conf", json.dumps(conf)], check=False, env=env, capture_output=True, text=True)
        log_file = ROOT / ".airflow" / "demo-dag-test.log"
        log_file.write_text(run.stdout + run.stderr)
        if run.returncode != 0:
            print(run.stdout[-3000:] + run.stderr[-3000:])
            _say(f"The DAG run failed; full log in {log_file}")
            return 1
        print(f"    done in {time.monotonic() - started:.0f} s (task log: {log_file})")

        oss = endpoints["oss"]
        bucket = oss2.Bucket(oss2.Auth(oss["access_key_id"], oss["access_key_secret"]), oss["endpoint"], oss["bucket"])
        manifests = sorted((o for o in oss2.ObjectIteratorV2(bucket, prefix=f"tablestore/{demo_data.TABLE}/")
                            if o.key.endswith("_manifest.json")), key=lambda o: o.last_modified)
        manifest = json.loads(bucket.get_object(manifests[-1].key).read())
        _say(f"Manifest oss://{oss['bucket']}/{manifests[-1].key}")
        print(json.dumps({k: manifest[k] for k in ("run_id", "totals", "format")}, indent=2))
        for entry in manifest["objects"]:
            print(f"    {entry['key']}  rows={entry['rows']:,}  bytes={entry['bytes']:,}  sha256={entry['sha256'][:16]}...")
        first = manifest["objects"][0]["key"]
        _say(f"First lines of oss://{oss['bucket']}/{first}")
        head = bucket.get_object(first, byte_range=(0, 4095)).read().decode("utf-8", "replace")
        print("\n".join(head.splitlines()[:8]))
        _say("Done. `make up` starts Airflow with these servers and data: open the UI to see the run, "
             "the DAGs and the connections.")
        return 0
    finally:
        cloud.stop()


if __name__ == "__main__":
    raise SystemExit(main())
