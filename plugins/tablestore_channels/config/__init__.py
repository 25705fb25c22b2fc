"""Typed, validated configuration shared by every plugin: the job envelope, the setting, the
parameter machinery, connection ids and credentials. Each plugin's own parameter class is in its
folder (:mod:`tablestore_channels.plugins`). Built once, up front (at DAG parse time for job
files, again after templating at run time); the rest of the code trusts these objects."""
