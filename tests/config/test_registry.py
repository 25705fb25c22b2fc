"""The plugin registry: every plugin's implementation keeps the contract, and validating a job
imports no reader or writer."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tablestore_channels import contract
from tablestore_channels.config.registry import READERS, WRITERS, implementation


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
        "from tablestore_channels.config.job import JobSpec\n"
        "JobSpec.from_dict({'type': 'job', 'configuration': {"
        "'reader': {'plugin': 'ots', 'parameter': {'table': 't', 'column': []}},"
        "'writer': {'plugin': 'odps', 'parameter': {'table': 't', 'truncate': True, 'column': ['*']}}}})\n"
        "print(sorted(m for m in sys.modules if m.startswith(('tablestore_channels.readers',"
        " 'tablestore_channels.writers', 'odps'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
