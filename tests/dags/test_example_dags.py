"""The channel DAGs ship inside the package (tablestore_channels/example_dags/); each file of this
repository's dags/ puts one of them in the DAGs folder. Their import-free parse from the installed
wheel alone is tests/deploy/test_wheel_install.py's."""

from __future__ import annotations

import ast
from pathlib import Path

from airflow.dag_processing.dagbag import BundleDagBag

from tests.support.airflow_runs import EXAMPLE_DAGS, ROOT, forget_example_dags

DAGS = ROOT / "dags"


def _names(folder: Path) -> set[str]:
    return {path.stem for path in folder.glob("tablestore_*.py")}


def test_each_example_dag_has_its_file_in_dags_with_its_dag_and_that_file_as_fileloc():
    assert _names(EXAMPLE_DAGS) == _names(DAGS) and len(_names(DAGS)) == 7
    forget_example_dags()
    shipped, shims = (BundleDagBag(dag_folder=str(folder), bundle_path=folder, bundle_name="dags-folder")
                      for folder in (EXAMPLE_DAGS, DAGS))
    assert not shipped.import_errors and not shims.import_errors
    assert set(shipped.dags) == _names(EXAMPLE_DAGS)  # one DAG per module, named as its file
    for dag_id in _names(DAGS):
        dag = shims.dags[dag_id]
        assert dag.fileloc == str(DAGS / f"{dag_id}.py")
        assert dag.relative_fileloc == shipped.dags[dag_id].relative_fileloc == f"{dag_id}.py"
        assert [t.task_id for t in dag.tasks] == [t.task_id for t in shipped.dags[dag_id].tasks]


def test_example_dags_import_nothing_of_the_development_tools():
    tools = {path.name for path in (ROOT / "include").iterdir() if path.is_dir()} | {"tests", "dags"}
    for path in EXAMPLE_DAGS.glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not {name.split(".")[0] for name in imported} & tools, path.name


def _default_prefix(template: str, **params) -> str:
    """``template`` rendered with the channel macros (an instance named ``inst``) and ``params``."""
    import jinja2

    from tablestore_channels import backup_layout

    macros = {**backup_layout.macros(), "tablestore_instance": lambda conn_id: "inst"}
    return jinja2.Environment().from_string(template).render(
        params={"table": "orders", "tablestore_conn_id": "tablestore_default", **params}, **macros)


def test_the_stream_sync_writes_its_windows_one_slash_under_the_prefix_given_or_the_default():
    from tablestore_channels.example_dags import tablestore_stream_sync_oss

    template = tablestore_stream_sync_oss.WRITER.object
    assert _default_prefix(template, object_prefix="") == "inst/orders/"
    assert _default_prefix(template, object_prefix="backups/orders") == "backups/orders/"
    assert _default_prefix(template, object_prefix="backups/orders/") == "backups/orders/"


def test_the_point_in_time_restore_defaults_to_the_prefixes_the_syncs_write():
    from tablestore_channels.example_dags import tablestore_restore_point_in_time

    reader = tablestore_restore_point_in_time._READER
    assert _default_prefix(reader["exportPrefix"], export_prefix="") == "tablestore/orders/"
    assert _default_prefix(reader["streamPrefix"], stream_prefix="") == "inst/orders/"
