"""The HTTP side of the OSS server: turn a request into an :class:`OssRequest`, route it, apply
faults and signatures, run the operation and write its reply or error the way OSS does
(``x-oss-request-id`` on every answer, XML errors, ``x-oss-err`` on bodiless HEAD errors, object
bytes sent with ``sendfile``)."""

from __future__ import annotations

import logging
import os
import uuid
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from localcloud.faults import FaultRule
from localcloud.httpserver import BaseHandler
from localcloud.oss import auth, responses, routes
from localcloud.oss.errors import OssError
from localcloud.oss.request import Body, OssRequest, Reply, parse_query

if TYPE_CHECKING:
    from localcloud.oss.service import OssService

log = logging.getLogger("localcloud.oss")

# A failed request's unread body is drained so the connection stays usable; beyond this much the
# connection is closed instead.
MAX_DRAIN = 64 << 20


def _fault_error(rule: FaultRule) -> OssError:
    if rule.kind == "status":
        return OssError.for_status(int(rule.status or 500), rule.code)
    return OssError(rule.code or "InternalError", status=rule.status)


class OssHandler(BaseHandler):
    """Request handler of the local OSS server."""

    def version_string(self) -> str:
        return "AliyunOSS"

    def dispatch(self) -> None:
        service: OssService = self.server.service
        url = urlsplit(self.path)
        target = service.cnames.locate(self.headers.get("Host", ""), url.path)
        request = OssRequest(self.command, target.bucket, target.key, parse_query(url.query), self.headers,
                             Body(self.rfile, self.headers, self.iter_chunks), uuid.uuid4().hex[:24].upper(),
                             target.style)
        try:
            route = routes.resolve(request)
            rule = self.take_fault(route.op)
            if rule is not None:
                if rule.kind == "reset":
                    return
                raise _fault_error(rule)
            auth.verify(request, service.settings)
            reply = route.call(service, request)
        except OssError as error:
            self._send_error(request, error)
            return
        except ConnectionError:
            self.close_connection = True
            return
        except Exception:
            log.exception("OSS %s %s failed", self.command, self.path)
            self._send_error(request, OssError("InternalError"))
            return
        self._send_reply(request, reply)

    # --- answers -------------------------------------------------------------------------------
    def _finish_body(self, request: OssRequest, headers: dict[str, str]) -> None:
        if request.body.remaining > MAX_DRAIN:
            self.close_connection = True
            headers["Connection"] = "close"
        else:
            request.body.drain()

    def _start(self, request: OssRequest, status: int, headers: dict[str, str], length: int | None) -> None:
        """Send the status and headers; ``length`` None: the body follows chunked."""
        self.send_response(status)
        self.send_header("x-oss-request-id", request.request_id)
        for name, value in headers.items():
            self.send_header(name, value)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        elif status != 304:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send_error(self, request: OssRequest, error: OssError) -> None:
        headers = dict(error.headers)
        self._finish_body(request, headers)
        added, body = responses.error_answer(error, request, head=self.command == "HEAD")
        headers.update(added)
        self._start(request, error.status, headers, len(body))
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _send_reply(self, request: OssRequest, reply: Reply) -> None:
        headers = dict(reply.headers)
        self._finish_body(request, headers)
        try:
            length: int | None
            if reply.chunked and self.command != "HEAD":
                length = None
            elif reply.files:
                length = sum(count for _, _, count in reply.ranges)
            else:
                length = len(reply.body) if reply.length is None else reply.length
            self._start(request, reply.status, headers, length)
            if self.command == "HEAD" or reply.status in (204, 304):
                return
            if length is None:
                self._send_chunked(reply.body)
            elif reply.body:
                self.wfile.write(reply.body)
            for index, offset, count in reply.ranges:
                self._send_file(reply.files[index].fileno(), offset, count)
        except OSError:  # the client went away mid-answer
            self.close_connection = True
        finally:
            for handle in reply.files:
                handle.close()

    def _send_chunked(self, body: bytes, size: int = 65536) -> None:
        for pos in range(0, len(body), size):
            piece = body[pos:pos + size]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def _send_file(self, fd: int, offset: int, count: int) -> None:
        out = self.connection.fileno()
        while count:
            sent = os.sendfile(out, fd, offset, count)
            if not sent:
                raise ConnectionError("sendfile sent nothing")
            offset += sent
            count -= sent
