"""Tablestore credentials written into a job (DataX's ``endpoint``/``accessId``/``accessKey``/
``instanceName``): refused, naming the fix. A job's values are stored and shown as they are (the
serialized DAG, the rendered templates every UI user can open, the metadata DB), and Airflow
masks secrets by key name, which ``accessKey`` is not: masking them everywhere they could show
is not something a job can rely on, while an Airflow connection (or a secrets backend behind it)
keeps the secret out of all of them."""

from __future__ import annotations

from tablestore_channels.config.parameters import Parameters
from tablestore_channels.errors import ConfigError

# Known keys, so that a job pasted from DataX is told why, not "unknown parameter".
INLINE_CREDENTIAL_KEYS = ("endpoint", "accessId", "accessKey", "instanceName")


def refuse_inline_credentials(p: Parameters) -> None:
    """Raise ConfigError when the plugin's parameters write credentials instead of naming a
    ``datasource``; the message never holds a value of theirs."""
    given = [k for k in INLINE_CREDENTIAL_KEYS if p.has(k)]
    if given:
        raise ConfigError(
            p.key(given[0]),
            f"credentials written into the job ({', '.join(given)}) would be stored and shown with it: in the "
            "DAG's rendered templates, task details and metadata DB.",
            "remove endpoint/accessId/accessKey/instanceName and set 'datasource' to an Airflow connection of "
            "type tablestore (kept in the metadata DB encrypted, or in a secrets backend); see the README's "
            "\"Pointing it at Alibaba Cloud\".")
