"""The package's import graph, the way a newcomer reads it: bottom layers know nothing of the ones
above (0 upward imports), and no module imports itself round a cycle. Imports under
``TYPE_CHECKING`` are left out: they are not executed."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "plugins" / "tablestore_channels"
NAME = PACKAGE.name

# Bottom first: a module may import its own layer's and the layers below.
LAYERS = [
    {"errors", "retrying", "backup_layout", "datasets", "assets", "pages"},  # shared vocabulary
    {"formats", "ots_client"},  # file formats, the Tablestore wire
    {"config"},  # the parameters shared by every plugin
    {"plugins.*.config", "plugins.registry", "job"},  # each plugin's parameters, the list of plugins, a job
    {"contract"},  # what a reader and a writer are
    {"plugins"},  # the readers and writers, one folder per plugin
    {"channel", "jobrun", "lineage"},  # running a job: plan, transfer, commit
    {"hooks"},  # Airflow connections
    {"operators", "notifications"},
    {"api"},  # the typed public API
    {"authoring"},  # the DAG conventions and job files
    {"example_dags", "provider_info", ""},  # "" : the package itself (its lazy exports)
]


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> Iterator[str]:
    tree = ast.parse(path.read_text())
    unexecuted = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                  for n in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in unexecuted:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == NAME:
            submodules = [f"{node.module}.{alias.name}" for alias in node.names]
            found = [m for m in submodules if m in modules]
            yield from found or [node.module]  # `from pkg import module` imports the module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.split(".")[0] == NAME)


def _graph() -> dict[str, set[str]]:
    paths = {_module(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {m: {t for t in _imports(p, modules) if t in modules and t != m} for m, p in paths.items()}


def _part(module: str) -> str:
    """The name the layers list a module by: its top-level module or folder, but a plugin's
    parameter class by ``plugins.*.config`` and the registry by ``plugins.registry``."""
    parts = module.split(".")[1:]
    if parts[:1] == ["plugins"] and parts[-1] in ("config", "registry") and len(parts) in (2, 3):
        return "plugins.*.config" if len(parts) == 3 else "plugins.registry"
    return parts[0] if parts else ""


def _layer(module: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if _part(module) in layer)


def test_every_top_level_module_has_a_layer():
    tops = {_part(m) for m in _graph()}
    assert tops == set().union(*LAYERS), tops ^ set().union(*LAYERS)


def test_no_module_imports_a_layer_above_its_own():
    upward = sorted(f"{source} -> {target}" for source, targets in _graph().items() for target in targets
                    if _layer(target) > _layer(source))
    assert not upward, upward


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target):], target] if target in path else [module, target]
            if target not in state and (cycle := visit(target, [*path, target])):
                return cycle
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module, [module])
            assert cycle is None, " -> ".join(cycle)
