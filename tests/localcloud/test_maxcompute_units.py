"""Pure logic of the local MaxCompute: SQL parsing, partition specs, signatures, storage."""

from __future__ import annotations

import os
import re
from email.utils import formatdate

import pyarrow as pa
import pytest
import requests
from odps.accounts import CloudAccount
from odps.models.table import Table as OdpsTable
from odps.models.table import TableSchema as OdpsTableSchema

from localcloud.maxcompute import auth, partitionspec, sql
from localcloud.maxcompute.errors import MaxComputeError, SqlError
from localcloud.maxcompute.schema import Column, TableSchema
from localcloud.maxcompute.storage import AlreadyCommitted, Storage, write_parquet

KEY_ID, SECRET = "ak-id", "ak-secret"
SCHEMA = TableSchema((Column.create("id", "bigint"), Column.create("name", "string")),
                     (Column.create("ds", "string"), Column.create("hr", "bigint")))


# --- SQL ---------------------------------------------------------------------------------------------
def test_parses_the_ddl_pyodps_generates():
    schema = OdpsTableSchema.from_lists(["a", "b", "m"], ["bigint", "decimal(10,2)", "map<string,bigint>"],
                                        ["ds"], ["string"])
    ddl = OdpsTable.gen_create_table_sql("t", schema, comment="it's", if_not_exists=True, lifecycle=3, project="p")
    [create] = sql.parse(ddl)
    assert create.name == sql.TableName("p", "t")
    assert [(c.name, c.type) for c in create.columns] == [("a", "bigint"), ("b", "decimal(10,2)"),
                                                          ("m", "map<string,bigint>")]
    assert (create.partition_keys[0].name, create.comment, create.lifecycle, create.if_not_exists) == (
        "ds", "it's", 3, True)


def test_parses_partition_statements_and_selects():
    add, drop, trunc = sql.parse("ALTER TABLE p.`t` ADD IF NOT EXISTS PARTITION (ds='1', hr=2), "
                                 "PARTITION (ds='3',hr=4);"
                                 "alter table t drop if exists partition (ds='1',hr=2);"
                                 "TRUNCATE TABLE t PARTITION (ds='1', hr=2) -- comment")
    assert add.specs == ((("ds", "1"), ("hr", "2")), (("ds", "3"), ("hr", "4"))) and add.if_not_exists
    assert drop.if_exists and trunc.specs == ((("ds", "1"), ("hr", "2")),)
    [select] = sql.parse("select count(*) as n from /* x */ t where ds = 'a' and hr = 1")
    assert select.count and select.where == (("ds", "a"), ("hr", "1"))
    [select] = sql.parse("SELECT id, name FROM t LIMIT 10")
    assert (select.columns, select.limit) == (("id", "name"), 10)


@pytest.mark.parametrize("text, fragment", [
    ("INSERT INTO t SELECT * FROM s", "statement 'INSERT INTO t SELECT' is not supported"),
    ("SELECT a FROM t GROUP BY a", "'GROUP' is not supported here"),
    ("CREATE TABLE t (a bigint", "expected ')'"),
    ("SELECT * FROM t WHERE a > 1", "expected '='"),
    ("select 'open", "unterminated string"),
])
def test_rejects_unsupported_sql_with_a_parse_error(text, fragment):
    with pytest.raises(SqlError, match=re.escape(fragment)) as info:
        sql.parse(text)
    assert info.value.text.startswith("ODPS-0130161:[")


# --- partition specs -----------------------------------------------------------------------------------
def test_partition_specs_resolve_in_key_order():
    assert partitionspec.resolve(SCHEMA, partitionspec.parse("hr=08,ds='2024'"), "t") == ("2024", "8")
    assert partitionspec.resolve(SCHEMA, partitionspec.parse("ds=2024"), "t", prefix=True) == ("2024",)
    assert partitionspec.format_spec(SCHEMA, ("2024", "8")) == "ds='2024',hr='8'"


@pytest.mark.parametrize("spec, fragment", [
    ("ds=1", "missing partition key 'hr'"), ("ds=1,hr=1,x=2", "not a partition key"),
    ("ds=a/b,hr=1", "must be 1-255 characters"), ("ds=1,hr=one", "not an integer"), ("ds", "should look like"),
])
def test_bad_partition_specs_are_invalid(spec, fragment):
    with pytest.raises(MaxComputeError, match=fragment) as info:
        partitionspec.resolve(SCHEMA, partitionspec.parse(spec), "t")
    assert info.value.code == "InvalidPartitionSpec"


# --- signatures ---------------------------------------------------------------------------------------
def _signed(region: str | None = None) -> requests.PreparedRequest:
    request = requests.Request("POST", "http://h:1/api/projects/p/tables/t?uploads=1&partition=ds%3D%27x%27",
                               headers={"Content-Type": "application/xml", "x-odps-user-agent": "ua",
                                        "Date": formatdate(usegmt=True)}, data=b"<x/>").prepare()
    CloudAccount(KEY_ID, SECRET).sign_request(request, "http://h:1/api", region_name=region)
    return request


@pytest.mark.parametrize("region", [None, "cn-hangzhou"])
def test_accepts_what_pyodps_signs(region):
    request = _signed(region)
    auth.verify("POST", request.path_url[len("/api"):], request.headers, KEY_ID, SECRET)


def test_rejects_a_wrong_secret_or_a_tampered_request():
    request = _signed()
    with pytest.raises(MaxComputeError) as info:
        auth.verify("POST", request.path_url[len("/api"):], request.headers, KEY_ID, "other")
    assert (info.value.code, info.value.status) == ("SignatureNotMatch", 403)
    with pytest.raises(MaxComputeError, match="does not match"):
        auth.verify("POST", "/projects/p/tables/other?uploads=1", request.headers, KEY_ID, SECRET)
    with pytest.raises(MaxComputeError) as info:
        auth.verify("GET", "/projects/p", {"Date": formatdate(usegmt=True)}, KEY_ID, SECRET)
    assert info.value.status == 401


# codecs: test_maxcompute_codec.py


# --- storage ------------------------------------------------------------------------------------------
def test_a_crash_before_the_manifest_rename_leaves_data_unchanged(tmp_path, monkeypatch):
    storage = Storage(tmp_path / "tables")
    staged = tmp_path / "staged.parquet"
    block = write_parquet(pa.table({"id": [1, 2]}), staged)
    storage.commit("t", "p", "upload-1", [(staged, block)])
    real_replace = os.replace

    def crash_on_manifest(src, dst):
        if str(dst).endswith("manifest.json"):
            raise OSError("crash")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_manifest)
    with pytest.raises(OSError):
        storage.commit("t", "p", "upload-2", [(staged, block)], overwrite=True)
    monkeypatch.undo()
    restarted = Storage(tmp_path / "tables")
    restarted.collect_garbage({"t"})
    snapshot = restarted.snapshot("t", "p")
    assert (snapshot.version, snapshot.rows) == (1, 2)
    assert len(list((tmp_path / "tables" / "t" / "p").glob("*.parquet"))) == 1  # the stray copy is gone
    with pytest.raises(AlreadyCommitted):
        restarted.commit("t", "p", "upload-1", [(staged, block)])
