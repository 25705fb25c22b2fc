"""The local MaxCompute's routes as data: method, path pattern, the query flag that selects it,
the operation name faults are keyed on, and the handler method that answers
(:class:`localcloud.maxcompute.handler.MaxComputeHandler`)."""

from __future__ import annotations

from dataclasses import dataclass

API_PREFIX = "/api"  # the REST API's paths start with it; the tunnel's do not


@dataclass
class Request:
    api: bool
    method: str
    params: dict[str, str]  # path placeholders ({project}, {table}, {instance})
    query: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Route:
    """``path`` segments with ``{placeholders}``; ``flag``: a query parameter that must be present."""

    api: bool
    method: str
    path: tuple[str, ...]
    flag: str | None
    op: str
    action: str  # name of the handler method


def _route(api: bool, method: str, path: str, flag: str | None, op: str, action: str) -> Route:
    return Route(api, method, tuple(path.strip("/").split("/")), flag, op, action)


# First match wins: routes with a query flag come before the plain route of the same path.
ROUTES = (
    _route(True, "GET", "tenants", None, "tenant.get", "get_tenant"),
    _route(True, "GET", "projects/{project}", None, "project.get", "get_project"),
    _route(True, "GET", "projects/{project}/tunnel", "service", "tunnel.service", "get_tunnel_address"),
    _route(True, "POST", "projects/{project}/authorization", None, "project.authorization", "sign_token"),
    _route(True, "GET", "projects/{project}/tables", None, "table.list", "list_tables"),
    _route(True, "GET", "projects/{project}/tables/{table}", "partitions", "partition.list", "list_partitions"),
    _route(True, "GET", "projects/{project}/tables/{table}", "partition", "partition.get", "get_partition"),
    _route(True, "GET", "projects/{project}/tables/{table}", None, "table.get", "get_table"),
    _route(True, "POST", "projects/{project}/instances", None, "sql.create_instance", "create_instance"),
    _route(True, "GET", "projects/{project}/instances/{instance}", "taskstatus", "instance.get", "get_task_status"),
    _route(True, "GET", "projects/{project}/instances/{instance}", "result", "instance.get", "get_task_result"),
    _route(True, "GET", "projects/{project}/instances/{instance}", "source", "instance.get", "get_source"),
    _route(True, "GET", "projects/{project}/instances/{instance}", "instanceprogress", "instance.get", "get_progress"),
    _route(True, "GET", "projects/{project}/instances/{instance}", None, "instance.get", "get_instance"),
    _route(True, "PUT", "projects/{project}/instances/{instance}", None, "instance.stop", "stop_instance"),
    _route(False, "POST", "projects/{project}/tables/{table}", "uploads", "tunnel.create_upload", "create_upload"),
    _route(False, "GET", "projects/{project}/tables/{table}", "uploadid", "tunnel.get_upload", "get_upload"),
    _route(False, "PUT", "projects/{project}/tables/{table}", "uploadid", "tunnel.upload_block", "put_block"),
    _route(False, "POST", "projects/{project}/tables/{table}", "uploadid", "tunnel.commit", "commit_upload"),
    _route(False, "POST", "projects/{project}/tables/{table}", "downloads", "tunnel.create_download",
           "create_download"),
    _route(False, "GET", "projects/{project}/tables/{table}", "data", "tunnel.read", "read_table"),
    _route(False, "GET", "projects/{project}/tables/{table}", "downloadid", "tunnel.get_download", "get_download"),
    _route(False, "POST", "projects/{project}/instances/{instance}", "downloads", "tunnel.create_download",
           "create_instance_download"),
    _route(False, "GET", "projects/{project}/instances/{instance}", "data", "tunnel.read", "read_instance"),
    _route(False, "GET", "projects/{project}/instances/{instance}", "downloadid", "tunnel.get_download",
           "get_instance_download"),
)


def match(api: bool, method: str, segments: list[str]) -> tuple[list[Route], dict[str, str]]:
    """Routes of this method and path (flags not yet checked), with the placeholder values."""
    # Tables in the default schema are also addressed as projects/P/schemas/default/tables/T.
    if len(segments) > 4 and segments[0] == "projects" and segments[2] == "schemas":
        segments = segments[:2] + segments[4:]
    found, params = [], {}
    for route in ROUTES:
        if route.api != api or route.method != method or len(route.path) != len(segments):
            continue
        values = {}
        for pattern, segment in zip(route.path, segments):
            if pattern.startswith("{"):
                values[pattern[1:-1]] = segment
            elif pattern != segment:
                break
        else:
            found.append(route)
            params = values
    return found, params
