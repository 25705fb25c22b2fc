"""The local development stack behind ``make up`` and ``make demo``: the local cloud servers,
the Airflow connections that point at them, and Airflow itself."""
