"""HTTP front of the local MaxCompute: parse, faults, signature check, dispatch to the actions
below, which act on the models and send what :mod:`localcloud.maxcompute.responses` renders; the
routes are data in :mod:`localcloud.maxcompute.routes`.

One server answers both the REST API (under ``/api``, XML) and the tunnel (no prefix, JSON), as
``GET /api/projects/P/tunnel?service`` points pyodps back at this same host and port.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

from localcloud.httpserver import BaseHandler
from localcloud.maxcompute import auth, codec, partitionspec, responses
from localcloud.maxcompute.errors import MaxComputeError
from localcloud.maxcompute.models import Instance, Table
from localcloud.maxcompute.routes import API_PREFIX, Request, match
from localcloud.maxcompute.schema import Column
from localcloud.maxcompute.tunnel import check_row_range

if TYPE_CHECKING:
    from localcloud.maxcompute.service import MaxComputeService


class MaxComputeHandler(BaseHandler):
    """Parses a request, checks faults and the signature, runs the action on the models and sends
    the answer :mod:`localcloud.maxcompute.responses` renders."""

    server_version = "localcloud-maxcompute"

    @property
    def service(self) -> MaxComputeService:
        return self.server.service

    def dispatch(self) -> None:
        self.request_id = uuid.uuid4().hex.upper()
        raw = self.path
        api = raw == API_PREFIX or raw.startswith(API_PREFIX + "/") or raw.startswith(API_PREFIX + "?")
        resource = raw[len(API_PREFIX):] if api else raw
        parts = urlsplit(resource)
        segments = [unquote(s) for s in parts.path.strip("/").split("/") if s]
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        body = self.read_body()
        routes, params = match(api, self.command, segments)
        route = next((r for r in routes if r.flag is None or r.flag in query), None)
        try:
            rule = self.take_fault(route.op if route else "unknown")
            if rule is not None and rule.kind == "reset":
                return
            if rule is not None:
                raise MaxComputeError.for_fault(rule.code, rule.status)
            auth.verify(self.command, resource, self.headers, self.service.settings.access_key_id,
                        self.service.settings.access_key_secret)
            if route is None:
                raise MaxComputeError("MethodNotAllowed" if routes else "NoSuchObject",
                                      f"{self.command} {parts.path} is not supported by the local MaxCompute server")
            if "project" in params and not self.service.catalog.has_project(params["project"]):
                raise MaxComputeError("NoSuchProject", f"ODPS-0420111:Project not found - '{params['project']}'")
            action: Callable[[Request], None] = getattr(self, route.action)
            action(Request(api, self.command, params, query, body))
        except MaxComputeError as exc:
            body, content_type = responses.error(exc, self.request_id, api)
            self.send(exc.status, body, {"Content-Type": content_type, "x-odps-request-id": self.request_id})

    # --- answers ----------------------------------------------------------------------------------
    def reply(self, status: int, body: bytes = b"", content_type: str = responses.XML,
              headers: dict[str, str] | None = None) -> None:
        all_headers = {"x-odps-request-id": self.request_id, "Content-Type": content_type}
        all_headers.update(headers or {})
        self.send(status, body, all_headers)

    def reply_json(self, body: bytes) -> None:
        self.reply(200, body, responses.JSON)

    # --- REST: project, tables, partitions -----------------------------------------------------------
    def get_tenant(self, request: Request) -> None:
        self.reply_json(responses.tenant_json(self.service.started))

    def get_project(self, request: Request) -> None:
        created = self.service.started
        self.reply(200, responses.project_xml(request.params["project"], created),
                   headers=responses.project_headers(created))

    def get_tunnel_address(self, request: Request) -> None:
        host, port = self.server.server_address[:2]
        self.reply(200, responses.tunnel_address(host, port), responses.TEXT)

    def sign_token(self, request: Request) -> None:
        # Logview links carry a bearer token; there is no logview here, so any opaque token does.
        self.reply(200, responses.authorization_xml(uuid.uuid4().hex))

    def _table(self, request: Request) -> Table:
        return self.service.catalog.table(request.params["project"], request.params["table"])

    def list_tables(self, request: Request) -> None:
        tables = self.service.catalog.tables(request.params["project"], request.query.get("name", ""))
        self.reply(200, responses.tables_xml([responses.table_element(t, self.service.snapshots(t))
                                              for t in tables]))

    def get_table(self, request: Request) -> None:
        table = self._table(request)
        self.reply(200, responses.table_xml(table, self.service.snapshots(table), "extended" in request.query))

    def list_partitions(self, request: Request) -> None:
        table = self._table(request)
        prefix = ()
        if request.query.get("partition"):
            prefix = partitionspec.resolve(table.schema, partitionspec.parse(request.query["partition"]),
                                           table.full_name, prefix=True)
        with self.service.catalog.lock:
            selected = [p for values, p in sorted(table.partitions.items()) if values[:len(prefix)] == prefix]
        partitions = [(p, self.service.storage.snapshot(table.table_id, p.partition_id)) for p in selected]
        self.reply(200, responses.partitions_xml(table, partitions))

    def get_partition(self, request: Request) -> None:
        table = self._table(request)
        values = partitionspec.resolve(table.schema, partitionspec.parse(request.query["partition"]),
                                       table.full_name)
        partition = table.partition(values)
        snapshot = self.service.storage.snapshot(*table.storage_ids(values))
        self.reply(200, responses.partition_xml(table, partition, snapshot, "extended" in request.query))

    # --- REST: instances -------------------------------------------------------------------------------
    def create_instance(self, request: Request) -> None:
        try:
            job = ET.fromstring(request.body).find("Job")
        except ET.ParseError as exc:
            raise MaxComputeError("MalformedXML", f"the instance body is not valid XML: {exc}") from None
        tasks = list(job.find("Tasks")) if job is not None and job.find("Tasks") is not None else []
        if len(tasks) != 1 or tasks[0].tag != "SQL":
            raise MaxComputeError("InvalidArgument", "the local MaxCompute server runs jobs of exactly one "
                                  f"SQL task, got {[t.tag for t in tasks]}")
        task = tasks[0]
        instance = self.service.instances.create(
            request.params["project"], task.findtext("Name") or "AnonymousSQLTask",
            task.findtext("Query") or "", ET.tostring(job, encoding="unicode"))
        host = self.headers.get("Host", "localhost")
        self.reply(201, headers=responses.instance_location(host, instance))

    def _instance(self, request: Request) -> Instance:
        return self.service.instances.get(request.params["project"], request.params["instance"])

    def get_instance(self, request: Request) -> None:
        instance = self._instance(request)
        self.reply(200, responses.instance_status_xml(instance), headers=responses.instance_headers(instance))

    def get_task_status(self, request: Request) -> None:
        self.reply(200, responses.task_status_xml(self._instance(request)))

    def get_task_result(self, request: Request) -> None:
        self.reply(200, responses.task_result_xml(self._instance(request)))

    def get_source(self, request: Request) -> None:
        self.reply(200, self._instance(request).job_xml.encode())

    def get_progress(self, request: Request) -> None:
        self.reply(200, responses.progress_xml())

    def stop_instance(self, request: Request) -> None:
        self.service.instances.stop(self._instance(request))
        self.reply(200)

    # --- tunnel: uploads ----------------------------------------------------------------------------
    def create_upload(self, request: Request) -> None:
        session, table = self.service.tunnel.create_upload(
            request.params["project"], request.params["table"], request.query.get("partition"),
            overwrite=request.query.get("overwrite", "").lower() == "true",
            create_partition="create_partition" in request.query)
        self.reply_json(responses.upload_session_json(session, table))

    def get_upload(self, request: Request) -> None:
        session, table = self.service.tunnel.upload(request.params["project"], request.params["table"],
                                                    request.query["uploadid"])
        self.reply_json(responses.upload_session_json(session, table))

    def put_block(self, request: Request) -> None:
        tunnel = self.service.tunnel
        session, table = tunnel.upload(request.params["project"], request.params["table"],
                                       request.query["uploadid"])
        try:
            block_id = int(request.query.get("blockid", ""))
        except ValueError:
            raise MaxComputeError("InvalidArgument", f"blockid {request.query.get('blockid')!r} is not "
                                  "an integer") from None
        body = codec.decompress(request.body, self.headers.get("Content-Encoding"))
        tunnel.put_block(session, table, block_id, body, arrow="arrow" in request.query)
        self.reply(200, content_type=responses.JSON)

    def commit_upload(self, request: Request) -> None:
        tunnel = self.service.tunnel
        session, table = tunnel.upload(request.params["project"], request.params["table"],
                                       request.query["uploadid"])
        session = tunnel.commit(session, table)
        self.reply_json(responses.upload_session_json(session, table))

    # --- tunnel: downloads ---------------------------------------------------------------------------
    def create_download(self, request: Request) -> None:
        session, table = self.service.tunnel.create_download(
            request.params["project"], request.params["table"], request.query.get("partition"))
        self.reply_json(responses.table_download_json(session, table, current=True))

    def get_download(self, request: Request) -> None:
        session, table, current = self.service.tunnel.download(
            request.params["project"], request.params["table"], request.query["downloadid"])
        self.reply_json(responses.table_download_json(session, table, current))

    def read_table(self, request: Request) -> None:
        tunnel = self.service.tunnel
        session, table, _ = tunnel.download(request.params["project"], request.params["table"],
                                            request.query.get("downloadid", ""))
        columns = _columns(list(table.schema.columns), request.query.get("columns"))
        start, count = _row_range(request.query.get("rowrange"))
        data = tunnel.read(session, table, columns, start, count)
        self._send_rows(columns, data, "arrow" in request.query)

    def _send_rows(self, columns: list[Column], data, arrow: bool) -> None:
        self.reply(200, responses.rows(columns, data, arrow), responses.BINARY)

    # --- tunnel: instance results --------------------------------------------------------------------
    def _result_download_id(self, instance: Instance) -> str:
        # A result never changes, so its download session needs no state of its own.
        return f"{instance.instance_id}result"

    def _instance_result(self, request: Request) -> tuple[Instance, list[Column]]:
        instance = self._instance(request)
        if instance.result_columns is None:
            raise MaxComputeError("InstanceTypeNotSupported", f"instance {instance.instance_id} has no "
                                  "result set to download (it did not run a SELECT)")
        download_id = request.query.get("downloadid")
        if download_id is not None and download_id != self._result_download_id(instance):
            raise MaxComputeError("NoSuchDownload", f"download session {download_id} does not exist")
        return instance, instance.result_columns

    def create_instance_download(self, request: Request) -> None:
        instance, columns = self._instance_result(request)
        count = self.service.instances.result(instance).num_rows
        self.reply_json(responses.download_session_json(self._result_download_id(instance), "NORMAL",
                                                        count, columns, []))

    get_instance_download = create_instance_download

    def read_instance(self, request: Request) -> None:
        instance, columns = self._instance_result(request)
        result = self.service.instances.result(instance)
        selected = _columns(columns, request.query.get("columns"))
        start, count = _row_range(request.query.get("rowrange"))
        check_row_range(start, count, result.num_rows)
        data = result.slice(start, count).select([c.name for c in selected])
        self._send_rows(selected, data, "arrow" in request.query)


def _columns(available: list[Column], names: str | None) -> list[Column]:
    if not names:
        return available
    by_name = {c.name: c for c in available}
    selected = []
    for name in names.split(","):
        if name.strip().lower() not in by_name:
            raise MaxComputeError("InvalidArgument", f"column {name!r} does not exist; columns: {list(by_name)}")
        selected.append(by_name[name.strip().lower()])
    return selected


def _row_range(text: str | None) -> tuple[int, int]:
    try:
        start, count = (int(x) for x in (text or "").strip("()").split(","))
    except ValueError:
        raise MaxComputeError("InvalidRowRange", f"rowrange {text!r} should look like (start,count)") from None
    return start, count
