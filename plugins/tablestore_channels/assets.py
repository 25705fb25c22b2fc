"""The asset URI schemes of the channels' datasets (:mod:`tablestore_channels.lineage` names them):
``tablestore://<instance>/<table>``, ``oss://<bucket>/<prefix>``, ``maxcompute://<project>/<table>``.

``provider_info`` registers a normalizer per scheme, which Airflow applies to every asset URI of that
scheme, in a DAG (``Asset("tablestore://...")``, ``schedule=[...]``) and in the events a commit
emits, so a DAG scheduled on a table's exports names the asset exactly as the export does.
A URI that cannot name such a dataset (no instance, bucket or project; no table) is a ValueError,
which Airflow reports as the DAG file's import error. Each normalizer lowercases the URI's host,
as URIs do (RFC 3986): an instance and a bucket name a host of their endpoint, and a MaxCompute
project and table name are case-insensitive in MaxCompute, so both are lowercased. Tablestore table
names and OSS object keys are case-sensitive and kept as written.

:func:`convert_asset_to_openlineage` names such an asset in OpenLineage as the channel operators'
own lineage does (namespace ``<scheme>://<host>``, name the path); it imports the OpenLineage client
only when called (the ``openlineage`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

if TYPE_CHECKING:
    from openlineage.client.event_v2 import Dataset as OpenLineageDataset

TABLESTORE, OSS, MAXCOMPUTE = "tablestore", "oss", "maxcompute"


def _refused(parts: SplitResult, problem: str, example: str) -> ValueError:
    uri = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return ValueError(f"{parts.scheme} asset URI {uri!r} {problem}; write it as {example}")


def _host(parts: SplitResult, what: str, example: str) -> str:
    if not parts.netloc:
        raise _refused(parts, f"names no {what}", example)
    return parts.netloc.lower()


def _table(parts: SplitResult, example: str) -> str:
    table = parts.path.strip("/")
    if not table or "/" in table:
        raise _refused(parts, "must name one table", example)
    return table


def sanitize_tablestore_uri(parts: SplitResult) -> SplitResult:
    """``tablestore://<instance>/<table>``: the instance lowercased, the table as written."""
    example = "tablestore://<instance>/<table>"
    host = _host(parts, "instance", example)
    return parts._replace(netloc=host, path=f"/{_table(parts, example)}")


def sanitize_oss_uri(parts: SplitResult) -> SplitResult:
    """``oss://<bucket>[/<prefix>]``: the bucket lowercased, the prefix as written."""
    return parts._replace(netloc=_host(parts, "bucket", "oss://<bucket>/<prefix>"))


def sanitize_maxcompute_uri(parts: SplitResult) -> SplitResult:
    """``maxcompute://<project>/<table>``: both lowercased (MaxCompute names are case-insensitive)."""
    example = "maxcompute://<project>/<table>"
    host = _host(parts, "project", example)
    return parts._replace(netloc=host, path=f"/{_table(parts, example).lower()}")


def convert_asset_to_openlineage(asset: Any, lineage_context: Any) -> OpenLineageDataset:
    """The OpenLineage dataset of an asset of these schemes: namespace ``<scheme>://<host>``, name
    the path without its leading slash (the table, or the OSS prefix)."""
    from openlineage.client.event_v2 import Dataset as OpenLineageDataset

    parts = urlsplit(asset.uri)
    return OpenLineageDataset(namespace=f"{parts.scheme}://{parts.netloc}", name=parts.path.lstrip("/"))
