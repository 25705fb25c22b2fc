"""What the channel DAGs need on the local servers to succeed with their defaults: the demo table
in Tablestore (with its stream) and its MaxCompute target tables, partitioned by ``pt`` as the
MaxCompute DAGs' default partitions ``pt=${date}`` and ``pt=${window_start}`` expect. ``make
demo``, ``make up`` and ``make cluster`` call :func:`prepare`, docker-compose's init ``python -m
devstack.targets``; it keeps what is already there."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from devstack import demo_data
from tablestore_channels.ots_client.settings import TablestoreConnectionSettings

ROWS = int(os.environ.get("DEMO_ROWS", "300000"))
# The MaxCompute twin of the demo table, in its column order (the DAG loads columns ["*"]).
MAXCOMPUTE_COLUMNS = ("device_id string, ts bigint, temperature double, humidity double, battery bigint, "
                      "online boolean, status string, firmware string, site string, raw_frame binary")
MAXCOMPUTE_PARTITION = "pt string"
# The stream sync's default target (``<table>_changes``): one row per changed row, the same columns.
MAXCOMPUTE_TABLES = (demo_data.TABLE, f"{demo_data.TABLE}_changes")


def tablestore_client(endpoints: dict):
    ts = endpoints["tablestore"]
    return TablestoreConnectionSettings(ts["endpoint"], ts["instance"], ts["access_key_id"],
                                        ts["access_key_secret"]).client()


def maxcompute_client(endpoints: dict):
    from odps import ODPS  # pyodps takes seconds to import

    mc = endpoints["maxcompute"]
    return ODPS(mc["access_key_id"], mc["access_key_secret"], mc["project"], endpoint=mc["endpoint"])


def prepare(endpoints: dict, *, reload: bool = False, rows: int = ROWS) -> list[str]:
    """Create what is missing (everything when ``reload``; no demo table when ``rows`` is 0);
    what was done, for the user."""
    done = []
    client = tablestore_client(endpoints)
    if rows and (reload or demo_data.TABLE not in client.list_table()):
        demo_data.create_table(client)
        demo_data.load(client, rows)
        done.append(f"Tablestore table {demo_data.TABLE}: {rows:,} readings (whole rows, stream on)")
    odps = maxcompute_client(endpoints)
    for table in MAXCOMPUTE_TABLES:
        if not odps.exist_table(table):
            odps.create_table(table, (MAXCOMPUTE_COLUMNS, MAXCOMPUTE_PARTITION))
            done.append(f"MaxCompute table {odps.project}.{table} ({MAXCOMPUTE_COLUMNS}) "
                        f"PARTITIONED BY ({MAXCOMPUTE_PARTITION})")
    return done


def main(argv: list[str] | None = None) -> int:
    """``python -m devstack.targets ENDPOINTS_FILE [--rows N]``: :func:`prepare` on the local
    servers of an endpoints file (docker-compose's init)."""
    parser = argparse.ArgumentParser(prog="python -m devstack.targets")
    parser.add_argument("endpoints_file", type=Path, help="the file `python -m localcloud serve` wrote")
    parser.add_argument("--rows", type=int, default=20_000, help="rows of a new demo table (0: none)")
    args = parser.parse_args(argv)
    done = prepare(json.loads(args.endpoints_file.read_text()), rows=args.rows)
    for line in done:
        print(f"Created {line}")
    if not done:
        print("Nothing to create: what the DAGs need is there.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
