"""Typed, validated configuration: job envelopes and each plugin's parameters. Built once, up
front (at DAG parse time for job files, again after templating at run time); the rest of the
code trusts these objects."""
