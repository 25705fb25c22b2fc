"""Airflow DAG of a team's own: the `shop_orders` table exported to Parquet on OSS every day, one
prefix per day. Connections: tablestore_default, oss_default (the bucket in its schema)."""

import pendulum
from airflow.sdk import DAG

from tablestore_channels import OSSWriter, OTSReader, Setting, TablestoreChannel

with DAG("orders_daily_parquet", schedule="@daily", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
         catchup=False, tags=["shop"]):
    TablestoreChannel(
        reader=OTSReader(table="shop_orders", columns=["order_id", "customer", "amount", "status"]),
        writer=OSSWriter(object="exports/shop_orders/{{ ds_nodash }}/", write_mode="truncate",
                         file_format="parquet"),
        setting=Setting(concurrent=2),
    )
