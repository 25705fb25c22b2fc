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
