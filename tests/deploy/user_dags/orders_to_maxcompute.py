"""Airflow DAG of a team's own: the whole `shop_orders` table loaded into the MaxCompute table
`shop_orders_snapshot` every day, one partition per day, replaced by a rerun. Connections:
tablestore_default, maxcompute_default."""

import pendulum
from airflow.sdk import DAG

from tablestore_channels import ODPSWriter, OTSReader, Setting, TablestoreChannel

with DAG("orders_to_maxcompute", schedule="@daily", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
         catchup=False, tags=["shop"]):
    TablestoreChannel(
        reader=OTSReader(table="shop_orders", columns=["order_id", "customer", "amount", "status"]),
        writer=ODPSWriter(table="shop_orders_snapshot", partition="pt={{ ds_nodash }}", truncate=True),
        setting=Setting(concurrent=2),
    )
