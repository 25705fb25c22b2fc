"""Data channels for Alibaba Cloud Tablestore as Airflow hooks, operators, readers and writers.

Readers and writers (``readers/``, ``writers/``) are plain Python and never import Airflow; hooks
(``hooks/``) turn Airflow connections into SDK clients; operators (``operators/``) own templating
and XCom and hand off to a reader -> writer channel.

The public Python API (``docs/python-api.md``) is exported here::

    from tablestore_channels import OSSWriter, OTSReader, Setting, TablestoreChannel
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

# name -> module; imported on first use, so that Airflow reading the provider's metadata
# (``provider_info``, which needs ``__version__``) imports no operator
_API = {
    "OTSReader": "readers", "OTSStreamReader": "readers", "OSSReader": "readers", "OTSRange": "readers",
    "OTSTimeRange": "readers", "OSSWriter": "writers", "ODPSWriter": "writers", "OTSWriter": "writers",
    "Setting": "setting", "TablestoreChannel": "channel", "TablestoreStreamChannel": "channel",
    "ChannelTimeouts": "channel", "TablestoreTransferOperator": "operator", "tables": "tables",
}
__all__ = [  # the lazy names of _API
    "ChannelTimeouts", "ODPSWriter", "OSSReader", "OSSWriter", "OTSRange", "OTSReader", "OTSStreamReader",
    "OTSTimeRange", "OTSWriter", "Setting", "TablestoreChannel", "TablestoreStreamChannel",
    "TablestoreTransferOperator", "__version__", "tables",
]


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'tablestore_channels' has no attribute {name!r}")
    module = importlib.import_module(f"tablestore_channels.api.{_API[name]}")
    return module if name == "tables" else getattr(module, name)

