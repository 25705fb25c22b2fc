"""Names and keys the local servers answer to (the same for all three services)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """What a client needs besides the endpoint. Only loopback listens, so fixed keys are fine;
    they are still verified, so a wrong key fails exactly as on the cloud."""

    access_key_id: str = "LTAIlocalcloud0000000000"
    access_key_secret: str = "localcloud-secret-not-for-production"
    instance: str = "localinst"      # Tablestore instance name
    bucket: str = "local-bucket"     # OSS bucket that exists at start
    project: str = "local_project"   # MaxCompute project
    region: str = "cn-hangzhou"      # region the V4 signatures are scoped to
