"""Local servers that speak the wire protocols of Tablestore, OSS and MaxCompute.

They are the embedded default of ``make demo`` and the ground of every test: the real SDKs
(``tablestore``, ``oss2``, ``alibabacloud-oss-v2``, ``pyodps``) talk to them unchanged. Nothing in
the production package imports this code.

Start them with ``python -m localcloud serve`` (see :mod:`localcloud.serve`).
"""
