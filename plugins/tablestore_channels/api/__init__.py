"""The typed Python API: one class per reader and writer plugin, and the task groups and the
operator that compose them (exported by :mod:`tablestore_channels`)."""
