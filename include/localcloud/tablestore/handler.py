"""HTTP front of the Tablestore server: ``POST /<ApiName>`` with a protobuf body.

Order per request: fault injection, request verification, the API handler, a signed answer.
Errors travel as protobuf ``Error{code, message}`` with the code's HTTP status.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import tablestore.protobuf.table_store_pb2 as sdk

from localcloud.faults import FaultRule
from localcloud.httpserver import BaseHandler
from localcloud.tablestore.auth import SigningKey, response_headers, verify_request
from localcloud.tablestore.errors import CODE_BY_STATUS, STATUS_BY_CODE, OTSError, unsupported
from localcloud.tablestore.routes import ROUTES

log = logging.getLogger("localcloud.tablestore")


def fault_error(rule: FaultRule) -> OTSError:
    """The service error an injected ``error`` or ``status`` fault answers with."""
    if rule.kind == "status":
        code = rule.code or CODE_BY_STATUS.get(rule.status, "OTSInternalServerError")
        return OTSError(code, f"Injected fault: HTTP {rule.status}.", rule.status)
    code = rule.code or "OTSServerBusy"
    return OTSError(code, f"Injected fault: {code}.", rule.status or STATUS_BY_CODE.get(code, 503))


class TablestoreHandler(BaseHandler):
    def dispatch(self) -> None:
        api = urlsplit(self.path).path.strip("/")
        rule = self.take_fault(api)
        if rule is not None and rule.kind == "reset":
            return
        body = self.read_body()
        signing: SigningKey | None = None
        service = self.server.service
        try:
            headers = {name.lower(): value for name, value in self.headers.items()}
            signing = verify_request(api, headers, body, service.settings)
            if rule is not None:
                raise fault_error(rule)
            route = ROUTES.get(api)
            if route is None or self.command != "POST":
                raise unsupported(f"The API {self.command} /{api}")
            self._answer(api, 200, route(service, body).SerializeToString(), signing)
        except OTSError as error:
            answer = sdk.Error(code=error.code, message=error.message).SerializeToString()
            self._answer(api, error.status, answer, None if error.code == "OTSAuthFailed" else signing)
        except Exception:  # a bug of ours: answer as the service does, keep the trace in the log
            log.exception("%s failed", api)
            answer = sdk.Error(code="OTSInternalServerError", message="Internal server error.").SerializeToString()
            self._answer(api, 500, answer, signing)

    def _answer(self, api: str, status: int, body: bytes, signing: SigningKey | None) -> None:
        self.send(status, body, response_headers(api, body, signing))
