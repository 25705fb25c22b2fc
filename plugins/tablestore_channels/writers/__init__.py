"""Writers: plain Python (no Airflow), each preparing a target, writing splits, committing."""
