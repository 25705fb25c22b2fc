"""A misconfigured connection fails its task at once, through a DAG run: the plan task fails on
its first try (the test DAG would retry a retriable error at once) with a ConfigError naming the
connection id, the field and the fix, and never the secret."""

from __future__ import annotations

import json

import pytest

from tests.support.exports import cloud_connections, create_table, job, ots_client, run_job, task_states

SECRET = "s3cret-value-never-logged"


@pytest.fixture(scope="module")
def cloud(localcloud):
    endpoints = localcloud.endpoints
    create_table(ots_client(endpoints), "cn_table", [("id", "STRING")], [([("id", "a")], [("v", 1)])])
    with cloud_connections(endpoints):
        yield endpoints


def _maxcompute(endpoints: dict, **change) -> dict:
    mc = endpoints["maxcompute"]
    extra = {"access_key_id": mc["access_key_id"], "access_key_secret": SECRET, "project": mc["project"],
             "endpoint": mc["endpoint"], **change}
    return {"conn_type": "maxcompute", "extra": {k: v for k, v in extra.items() if v is not None}}


def _oss(endpoints: dict, **change) -> dict:
    oss = endpoints["oss"]
    extra = {"auth_type": "AK", "access_key_id": oss["access_key_id"], "access_key_secret": SECRET,
             "region": oss["region"], "endpoint": oss["endpoint"], **change}
    return {"conn_type": "oss", "schema": oss["bucket"], "extra": {k: v for k, v in extra.items() if v is not None}}


def _tablestore(endpoints: dict, host: str | None = None, **extra) -> dict:
    ts = endpoints["tablestore"]
    return {"conn_type": "tablestore", "host": host or ts["endpoint"], "login": ts["access_key_id"],
            "password": SECRET, "extra": extra}


def _odps_job(datasource: str) -> dict:
    return {"type": "job", "version": "1.0", "configuration": {
        "reader": {"plugin": "ots", "parameter": {"table": "cn_table", "column": ["id", "v"]}},
        "writer": {"plugin": "odps", "parameter": {"datasource": datasource, "table": "cn_table", "column": ["*"],
                                                   "truncate": True}}}}


CASES = {
    "maxcompute-without-project": (lambda e: _maxcompute(e, project=None), "writer",
                                   ["lacks extra project.", "https://service.<region>.maxcompute.aliyun.com/api"]),
    "maxcompute-endpoint-without-scheme": (
        lambda e: _maxcompute(e, endpoint="service.cn-hangzhou.maxcompute.aliyun.com/api"), "writer",
        ["extra endpoint 'service.cn-hangzhou.maxcompute.aliyun.com/api' is not an endpoint URL",
         "write it as https://service.<region>.maxcompute.aliyun.com/api"]),
    "oss-without-region": (lambda e: _oss(e, region=None), "writer", ["lacks extra region.", "cn-hangzhou"]),
    "oss-bad-endpoint": (lambda e: _oss(e, endpoint="http://oss.local:port"), "writer",
                         ["extra endpoint 'http://oss.local:port' is not an endpoint URL"]),
    "tablestore-without-instance": (_tablestore, "reader", ["lacks extra instance_name."]),
    "tablestore-bad-endpoint": (lambda e: _tablestore(e, host="https://", instance_name="i"), "reader",
                                ["host 'https://' is not an endpoint URL",
                                 "https://<instance>.<region>.ots.aliyuncs.com"]),
    "not-defined": (None, "reader", ["is not defined.", "name an existing connection in the job's 'datasource'"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_misconfigured_connection_fails_the_plan_on_its_first_try(cloud, capfd, monkeypatch, case):
    connection, role, phrases = CASES[case]
    conn_id = f"cn_{case.replace('-', '_')}"
    if connection is not None:
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection(cloud)))
    if case.startswith("maxcompute"):
        channel_job = _odps_job(conn_id)
    else:
        channel_job = job({"table": "cn_table", "column": ["id", "v"]},
                          {"object": f"cn/{case}/", "writeMode": "truncate"})
        channel_job["configuration"][role]["parameter"]["datasource"] = conn_id
    capfd.readouterr()
    dag_run = run_job(channel_job)
    assert dag_run.state == "failed", task_states(dag_run)
    [plan] = [ti for ti in dag_run.get_task_instances() if ti.task_id == "channel.plan"]
    assert (str(plan.state), plan.try_number) == ("failed", 1)  # not retried
    output = "".join(capfd.readouterr())
    assert f"ConfigError: connection {conn_id!r}: " in output
    for phrase in [*phrases, "Fix: ", f"Admin > Connections > {conn_id}, or AIRFLOW_CONN_{conn_id.upper()}"]:
        assert phrase in output, phrase
    assert SECRET not in output
