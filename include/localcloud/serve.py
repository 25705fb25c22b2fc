"""``python -m localcloud serve``: start the local Tablestore, OSS and MaxCompute servers.

Writes the endpoints file (JSON) once every server accepts connections, then serves until
SIGTERM/SIGINT and exits 0. Without ``--data-dir`` the data lives in a temporary folder removed at
exit; with it, the data survives a restart.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import socket
import sys
import tempfile
import threading
from pathlib import Path

from localcloud.httpserver import LocalServer
from localcloud.service import Service, ServiceFactory
from localcloud.settings import Settings

# service name -> module whose ``build`` is a ServiceFactory (see localcloud.service).
SERVICES = {
    "tablestore": "localcloud.tablestore",
    "oss": "localcloud.oss",
    "maxcompute": "localcloud.maxcompute",
}


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m localcloud")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the local servers")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--data-dir", type=Path, help="keep data here across restarts")
    for name in SERVICES:
        serve.add_argument(f"--{name}-port", type=int, default=0, help="0 or omitted: a free port")
    serve.add_argument("--endpoints-file", type=Path, help="write the endpoints here as JSON")
    serve.add_argument(
        "--services", default=",".join(SERVICES),
        help=f"comma-separated subset of {','.join(SERVICES)} (default: all)",
    )
    serve.add_argument("--log-level", default="WARNING")
    return parser.parse_args(argv)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _wait_accepting(host: str, port: int) -> None:
    with socket.create_connection((host, port), timeout=10):
        pass


def serve(args: argparse.Namespace) -> int:
    names = [n.strip() for n in args.services.split(",") if n.strip()]
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise SystemExit(f"unknown service(s) {unknown}; choose from {list(SERVICES)}")
    settings = Settings()
    tmp = None
    if args.data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="localcloud-")
        data_root = Path(tmp.name)
    else:
        data_root = args.data_dir
    data_root.mkdir(parents=True, exist_ok=True)

    servers: list[tuple[str, LocalServer]] = []
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        for name in names:
            build: ServiceFactory = importlib.import_module(SERVICES[name]).build
            service: Service = build(data_root / name, settings)
            server = LocalServer((args.host, getattr(args, f"{name}_port")), service.handler_class, service)
            server.start()
            servers.append((name, server))
        endpoints = {}
        for name, server in servers:
            _wait_accepting(args.host, server.port)
            endpoints[name] = server.service.endpoint_info(args.host, server.port)
        text = json.dumps(endpoints, indent=2)
        if args.endpoints_file:
            _write_atomically(args.endpoints_file, text)
        print(text, flush=True)
        # Wake up now and then: a signal may land on a server thread, and its Python handler
        # runs only when the main thread gets to execute.
        while not stop.wait(0.5):
            pass
    finally:
        for _, server in servers:
            server.shutdown()
            server.server_close()
            server.service.close()
        if tmp is not None:
            tmp.cleanup()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return serve(args)
