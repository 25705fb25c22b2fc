"""The answers of the local MaxCompute: bodies, content types and headers, shaped as pyodps
parses them. The handler's actions act on the models and pass the results here.

The REST API speaks XML; JSON sits inside it where the service nests it (a table's schema in a
CDATA ``<Schema>``). The tunnel speaks JSON, and sends rows as records or Arrow. Times are RFC 822
in XML elements and epoch seconds inside schema JSON, as the service sends them.
"""

from __future__ import annotations

import json
from email.utils import formatdate
from xml.sax.saxutils import escape, quoteattr

import pyarrow as pa

from localcloud.maxcompute import codec, partitionspec
from localcloud.maxcompute.errors import MaxComputeError
from localcloud.maxcompute.models import DownloadSession, Instance, Partition, Snapshot, Table, UploadSession
from localcloud.maxcompute.routes import API_PREFIX
from localcloud.maxcompute.schema import Column

OWNER = "ALIYUN$localcloud"
XML, JSON, TEXT, BINARY = "application/xml", "application/json", "text/plain", "application/octet-stream"
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def rfc822(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _element(name: str, text) -> str:
    return f"<{name}>{escape(str(text))}</{name}>"


def error(exc: MaxComputeError, request_id: str, api: bool) -> tuple[bytes, str]:
    """Body and content type of an error: XML on the REST API, JSON on the tunnel."""
    if api:
        return (f"{_HEAD}<Error>{_element('Code', exc.code)}<Message>{_cdata(exc.message)}</Message>"
                f"{_element('RequestId', request_id)}{_element('HostId', 'localcloud')}</Error>").encode(), XML
    return json.dumps({"Code": exc.code, "Message": exc.message, "RequestId": request_id}).encode(), JSON


# --- tables and partitions ------------------------------------------------------------------------
def _table_json(table: Table, snapshots: list[Snapshot], extended: bool) -> dict:
    modified = max([s.modified for s in snapshots] + [table.created])
    if extended:
        return {"IsArchived": False, "PhysicalSize": sum(s.size for s in snapshots),
                "FileNum": sum(len(s.files) for s in snapshots),
                "Reserved": json.dumps({"Transactional": "false"})}
    data = {
        "tableName": table.name, "comment": table.comment, "owner": OWNER,
        "createTime": int(table.created), "lastDDLTime": int(table.ddl_time),
        "lastModifiedTime": int(modified), "lifecycle": table.lifecycle if table.lifecycle else -1,
        "size": sum(s.size for s in snapshots), "isVirtualView": False, "isMaterializedView": False,
        "shardExist": False, "tableLabel": "", **table.schema.to_json(),
    }
    if not table.partitioned:
        data["recordNum"] = sum(s.rows for s in snapshots)
    return data


def table_element(table: Table, snapshots: list[Snapshot], extended: bool = False) -> str:
    modified = max([s.modified for s in snapshots] + [table.created])
    return ("<Table>" + _element("Name", table.name) + _element("TableId", table.table_id)
            + _element("Comment", table.comment) + _element("Owner", OWNER)
            + _element("Type", "MANAGED_TABLE") + _element("CreationTime", rfc822(table.created))
            + _element("LastModifiedTime", rfc822(modified))
            + f"<Schema>{_cdata(json.dumps(_table_json(table, snapshots, extended)))}</Schema></Table>")


def table_xml(table: Table, snapshots: list[Snapshot], extended: bool = False) -> bytes:
    return (_HEAD + table_element(table, snapshots, extended)).encode()


def tables_xml(elements: list[str]) -> bytes:
    return (_HEAD + "<Tables>" + "".join(elements) + "<Marker></Marker><MaxItems>1000</MaxItems></Tables>").encode()


def _partition_columns(table: Table, partition: Partition) -> str:
    return "".join(f"<Column Name={quoteattr(k.name)} Value={quoteattr(v)}/>"
                   for k, v in zip(table.schema.partition_keys, partition.values))


def partition_xml(table: Table, partition: Partition, snapshot: Snapshot, extended: bool = False) -> bytes:
    if extended:
        meta = {"IsArchived": False, "IsExstore": False, "LifeCycle": table.lifecycle or -1,
                "PhysicalSize": snapshot.size, "FileNum": len(snapshot.files),
                "Reserved": json.dumps({})}
    else:
        meta = {"createTime": int(partition.created), "lastDDLTime": int(partition.ddl_time),
                "lastModifiedTime": int(snapshot.modified or partition.created),
                "partitionSize": snapshot.size, "partitionRecordNum": snapshot.rows}
    return (_HEAD + "<Partition>" + _partition_columns(table, partition)
            + f"<Schema>{_cdata(json.dumps(meta))}</Schema></Partition>").encode()


def partitions_xml(table: Table, partitions: list[tuple[Partition, Snapshot]]) -> bytes:
    items = []
    for partition, snapshot in partitions:
        items.append("<Partition>" + _partition_columns(table, partition)
                     + _element("CreationTime", int(partition.created))
                     + _element("LastDDLTime", int(partition.ddl_time))
                     + _element("LastModifiedTime", int(snapshot.modified or partition.created))
                     + _element("PartitionSize", snapshot.size)
                     + _element("PartitionRecordCount", snapshot.rows) + "</Partition>")
    return (_HEAD + "<Partitions>" + "".join(items) + "<Marker></Marker><MaxItems>1000</MaxItems>"
            "</Partitions>").encode()


def project_xml(project: str, created: float) -> bytes:
    return (_HEAD + "<Project>" + _element("Name", project) + _element("Type", "managed")
            + _element("Comment", "") + _element("Owner", OWNER) + _element("State", "AVAILABLE")
            + _element("CreationTime", rfc822(created)) + _element("LastModifiedTime", rfc822(created))
            + "<Properties></Properties><ExtendedProperties></ExtendedProperties></Project>").encode()


def project_headers(created: float) -> dict[str, str]:
    return {"x-odps-owner": OWNER, "x-odps-creation-time": rfc822(created), "Last-Modified": rfc822(created)}


def tenant_json(created: float) -> bytes:
    return json.dumps({"Tenant": {
        "Name": "localcloud", "OwnerId": OWNER, "TenantId": "localcloud", "TenantState": "NORMAL",
        "CreateTime": int(created), "UpdateTime": int(created), "TenantMeta": "",
        "Parameters": {"odps.namespace.schema": "false"},
    }}).encode()


def authorization_xml(result: str) -> bytes:
    return (_HEAD + "<Authorization>" + _element("Result", result) + "</Authorization>").encode()


def tunnel_address(host: str, port: int) -> bytes:
    return f"{host}:{port}".encode()


# --- instances ----------------------------------------------------------------------------------
def instance_location(host: str, instance: Instance) -> dict[str, str]:
    """The headers answering a created instance: where pyodps polls it."""
    return {"Location": f"http://{host}{API_PREFIX}/projects/{instance.project}/instances/{instance.instance_id}"}


def _task_element(instance: Instance, body: str) -> str:
    return f'<Task Type="SQL">{_element("Name", instance.task_name)}{body}</Task>'


def instance_status_xml(instance: Instance) -> bytes:
    return (_HEAD + "<Instance>" + _element("Status", instance.status) + "</Instance>").encode()


def task_status_xml(instance: Instance) -> bytes:
    times = _element("StartTime", rfc822(instance.start))
    if instance.end is not None:
        times += _element("EndTime", rfc822(instance.end))
    task = _task_element(instance, times + _element("Status", instance.task_status) + "<Histories/>")
    return (_HEAD + "<Instance>" + _element("Status", instance.status)
            + f"<Tasks>{task}</Tasks></Instance>").encode()


def task_result_xml(instance: Instance) -> bytes:
    result = f'<Result Format="text">{_cdata(instance.result_text)}</Result>'
    if instance.result_columns is not None:  # lets pyodps type the CSV values of a SELECT
        descriptor = {"IsSelect": True, "SelectResultStatus": "OK", "Schema": {
            "Columns": [{"Name": c.name, "Type": c.type} for c in instance.result_columns]}}
        result += f"<ResultDescriptor>{_cdata(json.dumps(descriptor))}</ResultDescriptor>"
    task = _task_element(instance, result + _element("Status", instance.task_status))
    return (_HEAD + f"<Instance><Tasks>{task}</Tasks></Instance>").encode()


def progress_xml() -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n<Progress></Progress>'


def instance_headers(instance: Instance) -> dict[str, str]:
    headers = {"x-odps-owner": OWNER, "x-odps-start-time": rfc822(instance.start)}
    if instance.end is not None:
        headers["x-odps-end-time"] = rfc822(instance.end)
    return headers


# --- tunnel sessions ----------------------------------------------------------------------------
def _schema_json(columns: list[Column], partition_keys: list[Column]) -> dict:
    return {"columns": [c.to_json() for c in columns],
            "partitionKeys": [k.to_json() for k in partition_keys]}


def upload_session_json(session: UploadSession, table: Table) -> bytes:
    return json.dumps({
        "UploadID": session.upload_id, "Status": session.status, "Owner": OWNER,
        "Initiated": rfc822(session.created), "QuotaName": "", "MaxFieldSize": 8 * 1024 * 1024,
        "Schema": _schema_json(list(table.schema.columns), list(table.schema.partition_keys)),
        "UploadedBlockList": [{"BlockID": block_id, "RecordCount": f.rows, "Size": f.size}
                              for block_id, f in sorted(session.blocks.items())],
        "Partition": partitionspec.format_spec(table.schema, session.partition, quoted=False)
        if session.partition else "",
    }).encode()


def download_session_json(download_id: str, status: str, count: int, columns: list[Column],
                          partition_keys: list[Column]) -> bytes:
    return json.dumps({"DownloadID": download_id, "Status": status, "RecordCount": count, "QuotaName": "",
                       "SupportReadByRawSize": False, "Schema": _schema_json(columns, partition_keys)}).encode()


def table_download_json(session: DownloadSession, table: Table, current: bool) -> bytes:
    return download_session_json(session.download_id, "NORMAL" if current else "EXPIRED", session.count,
                                 list(table.schema.columns), list(table.schema.partition_keys))


def rows(columns: list[Column], data: pa.Table, arrow: bool) -> bytes:
    """Rows read through the tunnel, as an Arrow stream or as protobuf records."""
    return codec.encode_arrow(data) if arrow else codec.encode_records(columns, data)
