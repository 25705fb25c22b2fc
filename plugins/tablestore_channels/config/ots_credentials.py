"""Tablestore credentials written into a job (DataX's ``endpoint``/``accessId``/``accessKey``/
``instanceName``): accepted like DataX, with a warning, since an Airflow connection in
``datasource`` keeps the secret out of the job."""

from __future__ import annotations

import logging

from tablestore_channels.config.parameters import Parameters
from tablestore_channels.errors import ConfigError
from tablestore_channels.ots_client.settings import TablestoreConnectionSettings as InlineCredentials

log = logging.getLogger(__name__)

INLINE_CREDENTIAL_KEYS = ("endpoint", "accessId", "accessKey", "instanceName")


def inline_credentials(p: Parameters) -> InlineCredentials | None:
    """The credentials in the plugin's parameters, or None when it names a ``datasource`` only."""
    if not any(p.has(k) for k in INLINE_CREDENTIAL_KEYS):
        return None
    missing = [k for k in INLINE_CREDENTIAL_KEYS if not p.has(k)]
    if missing:
        raise ConfigError(p.key(missing[0]), "is required with inline credentials.",
                          "better: remove endpoint/accessId/accessKey/instanceName and set 'datasource' "
                          "to an Airflow connection of type tablestore.")
    log.warning("%s: credentials are written in the job; prefer an Airflow connection in 'datasource'.", p.path)
    return InlineCredentials(p.string("endpoint"), p.string("instanceName"), p.string("accessId"),
                             p.string("accessKey"))
