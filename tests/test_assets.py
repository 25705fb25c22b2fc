"""The normalizers of the channels' asset URI schemes (registered by provider_info) and their
OpenLineage names."""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest

from tablestore_channels import assets
from tablestore_channels.datasets import Dataset


def _normalized(uri: str) -> str:
    parts = urlsplit(uri)
    handler = {"tablestore": assets.sanitize_tablestore_uri, "oss": assets.sanitize_oss_uri,
               "maxcompute": assets.sanitize_maxcompute_uri}[parts.scheme]
    return urlunsplit(handler(parts))


@pytest.mark.parametrize(("uri", "normalized"), [
    ("tablestore://inst/iot_readings", "tablestore://inst/iot_readings"),
    ("tablestore://My-Inst/IoT_Readings", "tablestore://my-inst/IoT_Readings"),  # table names are case-sensitive
    ("tablestore://inst//readings/", "tablestore://inst/readings"),
    ("oss://bkt/tablestore/IoT/", "oss://bkt/tablestore/IoT/"),  # keys are case-sensitive; Airflow strips the slash
    ("oss://BKT/", "oss://bkt/"),
    ("oss://bkt", "oss://bkt"),
    ("maxcompute://Proj/IoT_Readings", "maxcompute://proj/iot_readings"),  # case-insensitive in MaxCompute
])
def test_a_uri_is_normalized(uri, normalized):
    assert _normalized(uri) == normalized
    assert _normalized(normalized) == normalized


@pytest.mark.parametrize(("uri", "message"), [
    ("tablestore:///readings", "tablestore asset URI 'tablestore:///readings' names no instance; "
                               "write it as tablestore://<instance>/<table>"),
    ("tablestore://inst/", "must name one table; write it as tablestore://<instance>/<table>"),
    ("tablestore://inst/a/b", "must name one table"),
    ("oss:///prefix", "names no bucket; write it as oss://<bucket>/<prefix>"),
    ("maxcompute://proj", "must name one table; write it as maxcompute://<project>/<table>"),
    ("maxcompute:///t", "names no project"),
])
def test_a_uri_that_names_no_dataset_is_refused(uri, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        _normalized(uri)


@pytest.mark.parametrize("dataset", [
    Dataset("tablestore://inst", "iot_readings"),
    Dataset("oss://bkt", "tablestore/iot_readings"),
    Dataset("maxcompute://proj", "iot_readings_changes"),
])
def test_what_lineage_emits_is_already_normal_and_converts_to_the_same_openlineage_name(dataset):
    assert _normalized(dataset.uri) == dataset.uri
    converted = assets.convert_asset_to_openlineage(SimpleNamespace(uri=dataset.uri), lineage_context=None)
    assert (converted.namespace, converted.name) == (dataset.namespace, dataset.name)
