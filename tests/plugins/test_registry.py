"""The plugin registry: every plugin's implementation keeps the contract, and validating a job
imports no reader or writer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tablestore_channels import contract
from tablestore_channels.plugins.registry import READERS, WRITERS, implementation

PLUGINS = Path(contract.__file__).parent / "plugins"


@pytest.mark.parametrize("name", sorted(READERS))
def test_every_reader_implements_the_reader_contract(name):
    cls = implementation(READERS[name])
    assert issubclass(cls, contract.Reader), cls
    assert callable(cls.from_connections)


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_every_writer_implements_the_writer_contract(name):
    cls = implementation(WRITERS[name])
    assert issubclass(cls, contract.Writer), cls


def test_the_stream_reader_checkpoints_and_the_oss_writer_discards():
    assert issubclass(implementation(READERS["otsstream"]), contract.CheckpointingReader)
    assert issubclass(implementation(WRITERS["oss"]), contract.DiscardingWriter)
    assert not issubclass(implementation(READERS["ots"]), contract.CheckpointingReader)


def test_validating_a_job_imports_no_reader_or_writer():
    probe = (
        "import sys\n"
        "from tablestore_channels.job import JobSpec\n"
        "JobSpec.from_dict({'type': 'job', 'configuration': {"
        "'reader': {'plugin': 'ots', 'parameter': {'table': 't', 'column': []}},"
        "'writer': {'plugin': 'odps', 'parameter': {'table': 't', 'truncate': True, 'column': ['*']}}}})\n"
        "print(sorted(m for m in sys.modules if m.startswith('odps') or m.startswith('tablestore_channels.plugins.')"
        " and m.rpartition('.')[2] not in ('config', 'registry') and m.count('.') > 2))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


@pytest.mark.parametrize(("name", "plugin"), [*(("reader " + n, p) for n, p in READERS.items()),
                                              *(("writer " + n, p) for n, p in WRITERS.items())])
def test_a_plugin_is_one_folder_its_parameters_and_its_reader_or_writer(name, plugin):
    folder = plugin.config.__module__.rpartition(".")[0]
    assert plugin.config.__module__ == f"{folder}.config", name
    kind = "reader" if name.startswith("reader") else "writer"
    assert plugin.implementation.partition(":")[0] == f"{folder}.{kind}", name


def test_every_plugin_folder_is_registered():
    folders = {p.name for p in PLUGINS.iterdir() if (p / "__init__.py").exists()}
    registered = {p.config.__module__.split(".")[2] for p in [*READERS.values(), *WRITERS.values()]}
    assert folders == registered, folders ^ registered
