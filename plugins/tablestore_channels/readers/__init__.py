"""Readers: plain Python (no Airflow), each planning splits and streaming the records of one."""
