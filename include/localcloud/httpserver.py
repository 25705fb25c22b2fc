"""The HTTP plumbing the three local servers share: threading server, body reading, admin routes,
fault application. Each service supplies a handler subclass that parses and answers its protocol."""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from localcloud.faults import FaultInjector, FaultRule

log = logging.getLogger("localcloud")

ADMIN_PREFIX = "/_localcloud/"


class LocalServer(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server on loopback owning one service's state and fault rules."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler_cls: type[BaseHandler], service) -> None:
        self.service = service
        self.faults = FaultInjector()
        super().__init__(address, handler_cls)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name=f"localcloud-{self.port}", daemon=True)
        thread.start()
        return thread


class BaseHandler(BaseHTTPRequestHandler):
    """Request handler base: subclasses implement :meth:`dispatch`."""

    protocol_version = "HTTP/1.1"
    server: LocalServer
    # Big socket buffers: the OSS multipart benchmark streams a GB through here.
    rbufsize = 1 << 20

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; with Nagle on, the second waits for the
        # client's delayed ACK (~40 ms per request).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    # --- routing -----------------------------------------------------------------------------
    def _route(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith(ADMIN_PREFIX):
            self._admin(path[len(ADMIN_PREFIX):])
            return
        self.dispatch()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _route

    def dispatch(self) -> None:
        raise NotImplementedError

    # --- bodies ------------------------------------------------------------------------------
    def read_body(self) -> bytes:
        """Read the request body, plain (Content-Length) or chunked."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return b"".join(self.iter_chunks())
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def iter_chunks(self):
        """Yield the chunks of a chunked request body."""
        while True:
            size_line = self.rfile.readline(65537)
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return
            data = self.rfile.read(size)
            self.rfile.readline(3)
            yield data

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, payload) -> None:
        self.send(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    # --- faults ------------------------------------------------------------------------------
    def take_fault(self, op: str) -> FaultRule | None:
        """Apply delay and reset faults here; return an error/status fault for the service to
        render in its own protocol, or None to answer normally."""
        rule = self.server.faults.take(op)
        if rule is None:
            return None
        if rule.kind == "delay":
            time.sleep(rule.delay_seconds)
            return None
        if rule.kind == "reset":
            self.reset_connection()
            return rule
        return rule

    def reset_connection(self) -> None:
        """Drop the connection with a TCP RST and answer nothing."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    # --- admin -------------------------------------------------------------------------------
    def _admin(self, route: str) -> None:
        body = self.read_body()
        try:
            payload = json.loads(body) if body else {}
            if route == "faults":
                if self.command == "POST":
                    rules = payload if isinstance(payload, list) else [payload]
                    for spec in rules:
                        self.server.faults.add_from_dict(spec)
                elif self.command == "DELETE":
                    self.server.faults.clear()
                self.send_json(200, self.server.faults.rules())
                return
            result = self.server.service.admin(self.command, route, payload)
        except LookupError as exc:
            self.send_json(404, {"error": str(exc)})
            return
        except (ValueError, TypeError) as exc:
            self.send_json(400, {"error": str(exc)})
            return
        self.send_json(200, result)
