# Image for the CeleryExecutor stack of docker-compose.yaml: the official Airflow image of the
# version in requirements.lock, plus the runtime lock (never requirements-dev.lock: no test or
# build tools in the image) and this project's package, installed once (compose does not mount
# plugins/, so it is the only copy on sys.path).
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:root requirements.lock /opt/tablestore-channels/requirements.lock
RUN pip install --no-cache-dir -r /opt/tablestore-channels/requirements.lock

COPY --chown=airflow:root pyproject.toml README.md LICENSE /opt/tablestore-channels/
COPY --chown=airflow:root plugins /opt/tablestore-channels/plugins
# Installed (not only mounted) so Airflow registers the `tablestore` connection type.
RUN pip install --no-cache-dir --no-deps --no-build-isolation /opt/tablestore-channels
