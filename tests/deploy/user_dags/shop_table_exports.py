"""Airflow DAGs of a team's own: one daily CSV export to OSS per table of a list, each table a DAG
with its own schedule, runs and history (`<table>_daily_export`)."""

import pendulum

from tablestore_channels import OSSWriter, OTSReader, TablestoreChannel, tables

TABLES = ["shop_customers", "shop_products", {"table": "shop_payments", "schedule": "0 2 * * *"}]


def export(table: tables.TableEntry) -> None:
    TablestoreChannel(
        reader=OTSReader(table=table.name),
        writer=OSSWriter(object=f"exports/{table.name}/" + "{{ ds_nodash }}/", write_mode="truncate",
                         file_format="csv"),
    )


globals().update(tables.table_dags(TABLES, export, dag_id="{table}_daily_export", schedule="@daily",
                                   start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False))
