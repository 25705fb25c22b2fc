"""The channel DAGs, shipped with the package as examples: one module per DAG, each binding it to
``dag``. Point a DAGs folder at this directory to run them as they are, or import one into a DAG
file of your own (``from tablestore_channels.example_dags.tablestore_full_export_oss import dag``),
as this repository's ``dags/`` does. They import only the package itself, never the repository's
development tools (``include/``)."""
