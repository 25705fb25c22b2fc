"""Airflow DAG of a team's own: the Stream of `shop_order_events` synced to OSS every 5 minutes,
each window in a folder of its own. The window and lag are params (the defaults: 5 and 5 minutes,
the changes of [t - 10 min, t - 5 min)), so a run can be triggered with others."""

import pendulum
from airflow.sdk import DAG

from tablestore_channels import OSSWriter, OTSStreamReader, TablestoreStreamChannel

with DAG("order_events_stream", schedule="*/5 * * * *", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
         catchup=False, tags=["shop"], params={"window_minutes": 5, "lag_minutes": 5}):
    TablestoreStreamChannel(
        reader=OTSStreamReader(data_table="shop_order_events", mode="single_version_and_update_only",
                               columns=["id", "n", "status"], window_minutes="{{ params.window_minutes }}",
                               lag_minutes="{{ params.lag_minutes }}"),
        writer=OSSWriter(object="streams/shop_order_events/", write_mode="truncate", file_format="csv"),
    )
