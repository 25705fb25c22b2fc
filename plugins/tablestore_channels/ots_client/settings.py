"""Where a Tablestore client connects and with which keys: built from an Airflow connection (the
hook) or from credentials written in a job; plain Python, no Airflow."""

from __future__ import annotations

from dataclasses import dataclass, field

from tablestore_channels.ots_client.client import TablestoreClient


@dataclass(frozen=True)
class TablestoreConnectionSettings:
    """Endpoint, instance and credentials of one Tablestore connection (secrets kept out of repr)."""

    endpoint: str
    instance_name: str
    access_key_id: str
    access_key_secret: str = field(repr=False)
    sts_token: str | None = field(default=None, repr=False)
    region: str | None = None

    def client(self, **kwargs) -> TablestoreClient:
        """A client for these settings; ``kwargs`` go to the SDK (retry_policy, socket_timeout, ...)."""
        if self.region:
            kwargs.setdefault("region", self.region)
        return TablestoreClient(
            self.endpoint, self.access_key_id, self.access_key_secret, self.instance_name,
            sts_token=self.sts_token, **kwargs,
        )
