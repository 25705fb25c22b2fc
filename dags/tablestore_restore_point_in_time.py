"""Airflow DAG `tablestore_restore_point_in_time`: the packaged example DAG, defined in
tablestore_channels/example_dags/tablestore_restore_point_in_time.py and installed with the package; this file
puts it in this DAGs folder."""

from tablestore_channels.example_dags.tablestore_restore_point_in_time import dag

__all__ = ["dag"]
