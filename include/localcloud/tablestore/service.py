"""The Tablestore service object ``localcloud.serve`` runs: the state of
:mod:`localcloud.tablestore.models`, the HTTP handler, the endpoint entry and the admin routes."""

from __future__ import annotations

from localcloud.tablestore.errors import OTSError
from localcloud.tablestore.handler import TablestoreHandler
from localcloud.tablestore.models import TablestoreState


def _need(payload: dict, key: str, kind: type):
    value = payload.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"the payload needs {key!r} ({kind.__name__}), got {value!r}")
    return value


class TablestoreService(TablestoreState):
    """The service as ``localcloud serve`` runs it: state plus HTTP handler and admin routes."""

    handler_class = TablestoreHandler

    def endpoint_info(self, host: str, port: int) -> dict:
        return {
            "endpoint": f"http://{host}:{port}",
            "instance": self.settings.instance,
            "access_key_id": self.settings.access_key_id,
            "access_key_secret": self.settings.access_key_secret,
            "region": self.settings.region,
        }

    def admin(self, method: str, route: str, payload):
        handler = {
            ("POST", "tablestore/split-shard"): self._admin_split,
            ("POST", "tablestore/trim"): self._admin_trim,
            ("POST", "tablestore/shard-count"): self._admin_shard_count,
            ("POST", "tablestore/size-scale"): self._admin_size_scale,
            ("GET", "tablestore/shards"): self._admin_shards,
        }.get((method, route))
        if handler is None:
            raise LookupError(f"no admin route {method} {route}")
        if not isinstance(payload, dict):
            raise ValueError("the payload must be a JSON object")
        try:
            return handler(payload)
        except OTSError as error:
            raise (LookupError if error.status == 404 else ValueError)(error.message) from None

    def _admin_split(self, payload: dict) -> dict:
        shard_id = _need(payload, "shard_id", str)
        children = self.split_shard(_need(payload, "table", str), shard_id)
        return {"parent": shard_id, "children": children}

    def _admin_trim(self, payload: dict) -> dict:
        table, before = _need(payload, "table", str), _need(payload, "before_us", int)
        self.trim(table, before)
        return {"table": table, "before_us": before}

    def _admin_shard_count(self, payload: dict) -> dict:
        count = _need(payload, "count", int)
        table = _need(payload, "table", str) if "table" in payload else None
        return {"count": count, "reshaped": self.set_shard_count(table, count)}

    def _admin_size_scale(self, payload: dict) -> dict:
        table, scale = _need(payload, "table", str), _need(payload, "scale", int)
        self.set_size_scale(table, scale)
        return {"table": table, "scale": scale}

    def _admin_shards(self, payload: dict) -> list[dict]:
        with self._lock:
            stream = self._table_stream(_need(payload, "table", str))
            return [{"shard_id": s.id, "parent_id": s.parent_id, "closed": s.closed,
                     "first": s.first, "end": s.end} for s in stream.shards.values()]
