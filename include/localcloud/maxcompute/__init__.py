"""Local MaxCompute: the REST API and the tunnel as pyodps and the Airflow provider speak them.

Tables with typed columns and partition keys, a SQL subset run as instances, tunnel uploads
committed atomically and downloads by row range, all kept on disk under the data directory.
"""

from __future__ import annotations

from pathlib import Path

from localcloud.maxcompute.service import MaxComputeService
from localcloud.settings import Settings


def build(data_dir: Path, settings: Settings) -> MaxComputeService:
    """The service ``python -m localcloud serve`` runs as ``maxcompute``."""
    return MaxComputeService(data_dir, settings)
