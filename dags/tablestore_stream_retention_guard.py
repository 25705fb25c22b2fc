"""Airflow DAG `tablestore_stream_retention_guard`: the packaged example DAG, defined in
tablestore_channels/example_dags/tablestore_stream_retention_guard.py and installed with the package; this file
puts it in this DAGs folder."""

from tablestore_channels.example_dags.tablestore_stream_retention_guard import dag

__all__ = ["dag"]
