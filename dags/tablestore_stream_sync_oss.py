"""Airflow DAG `tablestore_stream_sync_oss`: the packaged example DAG, defined in
tablestore_channels/example_dags/tablestore_stream_sync_oss.py and installed with the package; this file
puts it in this DAGs folder."""

from tablestore_channels.example_dags.tablestore_stream_sync_oss import dag

__all__ = ["dag"]
