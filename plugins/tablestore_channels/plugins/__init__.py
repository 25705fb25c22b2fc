"""The plugins a job names, one folder each, as Data Integration (DataX) has them: its parameter
class (``config.py``, validated up front, declaring its datasets for lineage), its reader or
writer (``reader.py`` / ``writer.py``: plain Python, no Airflow) and the helpers only it uses.
:mod:`~tablestore_channels.plugins.registry` lists them, one line each.

Modules shared by several plugins sit beside the folders: :mod:`export_source` (the ``source``
block of a Tablestore export's manifest) and :mod:`prefetch`."""
