"""Each plugin's parameter class declares the datasets its reader reads and its writer writes;
lineage asks them, whatever the plugin (a new plugin adds no branch to lineage.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tablestore_channels import lineage
from tablestore_channels.job import JobSpec
from tablestore_channels.plugins.registry import READERS, WRITERS


class _Namespaces:
    def tablestore_instance(self, config: Any) -> str:
        return f"inst-of-{config.datasource}"

    def oss_bucket(self, config: Any) -> str:
        return f"bucket-of-{config.datasource}"


READER_PARAMETERS = {
    "ots": ({"table": "orders"}, ["tablestore://inst-of-tablestore_default/orders"]),
    "otsstream": ({"dataTable": "orders", "startTimestampMillis": 0, "endTimestampMillis": 1},
                  ["tablestore://inst-of-tablestore_default/orders"]),
    "oss": ({"manifest": "exports/orders/r_manifest.json"}, ["oss://bucket-of-oss_default/exports/orders/r_manifest.json"]),
    "pointintime": ({"table": "orders", "exportPrefix": "tablestore/orders/", "streamPrefix": "inst/orders/",
                     "pointInTime": "latest"},
                    ["oss://bucket-of-oss_default/tablestore/orders", "oss://bucket-of-oss_default/inst/orders"]),
}
WRITER_PARAMETERS = {
    "oss": ({"object": "tablestore/orders/20260301/020000/", "writeMode": "truncate"},
            {"manifest": "oss://backup/tablestore/orders/20260301/020000/r_manifest.json"}, "oss://backup/tablestore/orders"),
    "odps": ({"table": "orders", "column": ["id"], "truncate": True}, {"table": "proj.orders"},
             "maxcompute://proj/orders"),
    "ots": ({"table": "orders_copy", "primaryKey": [{"name": "id", "type": "string"}], "column": []}, {},
            "tablestore://inst-of-tablestore_default/orders_copy"),
    "otsreplay": ({"table": "orders_at_t"}, {}, "tablestore://inst-of-tablestore_default/orders_at_t"),
}
# the pairs a job may combine, one per writer and per reader
PAIRS = [("ots", "oss"), ("otsstream", "odps"), ("oss", "ots"), ("pointintime", "otsreplay")]


def test_every_plugin_is_covered():
    assert set(READER_PARAMETERS) == set(READERS) and set(WRITER_PARAMETERS) == set(WRITERS)


@pytest.mark.parametrize("reader, writer", PAIRS)
def test_each_plugin_names_its_datasets(reader, writer):
    reader_parameter, inputs = READER_PARAMETERS[reader]
    writer_parameter, summary, output = WRITER_PARAMETERS[writer]
    job = JobSpec.from_dict({"type": "job", "version": "1.0", "configuration": {
        "reader": {"plugin": reader, "parameter": reader_parameter},
        "writer": {"plugin": writer, "parameter": writer_parameter}}})
    assert [d.uri for d in lineage.inputs(job, _Namespaces())] == inputs
    assert lineage.output(job, summary, _Namespaces()).uri == output
