"""One definition, one DAG per table: the list file, per-table overrides, and the refusals that
name the entry."""

from __future__ import annotations

import textwrap

import pendulum
import pytest
from airflow.dag_processing.dagbag import DagBag

from tablestore_channels import OSSWriter, OTSStreamReader, TablestoreStreamChannel, tables
from tablestore_channels.errors import ConfigError

TABLES_YAML = """
tables:
  - orders
  - table: devices
    schedule: "*/10 * * * *"
    options: {reader: {window_minutes: 10}}
  - table: payments
    dag_id: payments_changes
"""


def _sync(entry: tables.TableEntry) -> None:
    TablestoreStreamChannel(reader=OTSStreamReader(data_table=entry.name, **entry.options.get("reader", {})),
                            writer=OSSWriter(object=f"streams/{entry.name}/", write_mode="truncate"))


def _dags(source):
    return tables.table_dags(source, _sync, dag_id="{table}_stream_sync", schedule="*/5 * * * *",
                             start_date=pendulum.datetime(2026, 1, 1, tz="UTC"))


def test_each_table_gets_its_own_dag_with_its_overrides(tmp_path):
    path = tmp_path / "tables.yaml"
    path.write_text(TABLES_YAML)
    dags = _dags(path)
    assert sorted(dags) == ["devices_stream_sync", "orders_stream_sync", "payments_changes"]
    devices = dags["devices_stream_sync"]
    assert [dags[d].timetable.expression for d in ("devices_stream_sync", "orders_stream_sync")] == [
        "*/10 * * * *", "*/5 * * * *"]
    reader = devices.get_task("stream_channel.plan").job["configuration"]["reader"]["parameter"]
    assert (reader["dataTable"], reader["windowMinutes"]) == ("devices", 10)
    writer = dags["payments_changes"].get_task("stream_channel.plan").job["configuration"]["writer"]["parameter"]
    assert writer["object"].startswith("streams/payments/")


@pytest.mark.parametrize(("text", "problem"), [
    ("[orders, {table: orders}]", "entry 1 (orders): gives the DAG id 'orders_stream_sync' a second time"),
    ("[orders, {tabel: x}]", "entry 1.tabel: unknown key"),
    ("[orders, {table: ''}]", "entry 1.table: must be a table name"),
    ("[orders, {table: devices, options: {reader: {window_minuets: 1}}}]",
     "entry 1 (devices): OTSStreamReader(window_minuets=...): unknown argument. Fix: did you mean 'window_minutes'?"),
    ("{tables: 5}", "must hold a list of tables"),
    ("[orders", "is not valid YAML"),
])
def test_a_wrong_entry_is_refused_naming_the_file_and_the_entry(tmp_path, text, problem):
    path = tmp_path / "tables.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as refused:
        _dags(path)
    assert str(refused.value).startswith(str(path)) and problem in str(refused.value)


def test_in_a_dags_folder_each_table_is_a_dag_and_a_wrong_entry_an_import_error(tmp_path):
    (tmp_path / "tables.json").write_text('["orders", "devices", "payments"]')
    (tmp_path / "sync_tables.py").write_text(textwrap.dedent("""
        import pendulum
        from pathlib import Path
        from airflow.sdk import DAG  # noqa: F401  (Airflow parses files that name the DAG class)
        from tablestore_channels import OSSWriter, OTSStreamReader, TablestoreStreamChannel, tables

        def sync(entry):
            TablestoreStreamChannel(reader=OTSStreamReader(data_table=entry.name),
                                    writer=OSSWriter(object=f"streams/{entry.name}/", write_mode="truncate"))

        globals().update(tables.table_dags(Path(__file__).with_name("tables.json"), sync, dag_id="{table}_sync",
                                           schedule="*/5 * * * *", start_date=pendulum.datetime(2026, 1, 1)))
    """))
    assert sorted(DagBag(dag_folder=str(tmp_path)).dags) == ["devices_sync", "orders_sync", "payments_sync"]
    (tmp_path / "tables.json").write_text('["orders", {"table": "devices", "schedule": 5}]')
    bag = DagBag(dag_folder=str(tmp_path))
    assert not bag.dags
    error = bag.import_errors[str(tmp_path / "sync_tables.py")]
    assert "tables.json entry 1 (devices): ValueError: 5 is not a valid schedule." in error
