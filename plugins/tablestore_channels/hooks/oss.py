"""OSS for the channels: the Alibaba provider's ``oss`` connection, with an ``oss2`` bucket for
streamed multipart uploads and listings (the provider's hook exposes whole-object calls only)."""

from __future__ import annotations

import oss2
from airflow.providers.alibaba.cloud.hooks.oss import OSSHook

from tablestore_channels.hooks.checks import CheckedConnection, connection_error, endpoint_url


class OSSBucketHook(CheckedConnection, OSSHook):
    """:class:`OSSHook` plus :meth:`get_oss2_bucket`. Same connection type and fields:
    ``extra.access_key_id``, ``extra.access_key_secret``,
    ``extra.region``, optional ``extra.endpoint``, and the default bucket in ``schema``; a field
    missing or unusable is a ConfigError naming it."""

    def get_default_region(self) -> str:
        """The connection's region. The provider's own also demands ``auth_type: "AK"`` in the
        extra, which these channels do not need: Airflow masks every extra value in the task
        logs, and a value that short makes the masker warn at the top of every log."""
        region = self.oss_conn.extra_dejson.get("region")
        if not region:
            raise connection_error(self.oss_conn_id, "lacks extra region.", 'set it, e.g. "cn-hangzhou"')
        return region

    def get_oss2_bucket(self, bucket_name: str | None = None) -> oss2.Bucket:
        """An ``oss2.Bucket``; ``bucket_name`` None means the connection's ``schema``."""
        conn = self.oss_conn
        extra = conn.extra_dejson
        bucket = bucket_name or conn.schema
        if not bucket:
            raise connection_error(self.oss_conn_id, "names no bucket.",
                                   "set the plugin's 'bucket' parameter, or the connection's schema field")
        key_id, secret = extra.get("access_key_id"), extra.get("access_key_secret")
        if not key_id or not secret:
            raise connection_error(self.oss_conn_id, "lacks extra access_key_id / access_key_secret.",
                                   "set both in the connection's extra")
        endpoint = extra.get("endpoint") or f"https://oss-{self.region}.aliyuncs.com"
        if "://" not in endpoint:
            endpoint = f"https://{endpoint}"
        endpoint = endpoint_url(self.oss_conn_id, "extra endpoint", endpoint,
                                f"https://oss-{self.region}.aliyuncs.com (without the bucket)")
        return oss2.Bucket(oss2.Auth(key_id, secret), endpoint, bucket)
