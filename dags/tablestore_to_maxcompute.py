"""Airflow DAG `tablestore_to_maxcompute`: the packaged example DAG, defined in
tablestore_channels/example_dags/tablestore_to_maxcompute.py and installed with the package; this file
puts it in this DAGs folder."""

from tablestore_channels.example_dags.tablestore_to_maxcompute import dag

__all__ = ["dag"]
