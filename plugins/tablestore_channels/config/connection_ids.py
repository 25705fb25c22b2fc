"""The Airflow connection ids a plugin's ``datasource`` defaults to, one per service."""

TABLESTORE = "tablestore_default"
OSS = "oss_default"
MAXCOMPUTE = "maxcompute_default"
