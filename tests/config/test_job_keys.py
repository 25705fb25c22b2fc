"""Errors a reader or writer raises at run time name the key from its parameter object, which
knows where the job holds it: the key the operator maps to the DAG param that set it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tablestore_channels.job import JobSpec
from tablestore_channels.plugins.registry import READERS, WRITERS

PACKAGE = Path(__file__).parents[2] / "plugins" / "tablestore_channels"


def _job(reader: str, reader_parameter: dict, writer: str, writer_parameter: dict) -> dict:
    return {"type": "job", "version": "1.0", "configuration": {
        "reader": {"plugin": reader, "parameter": reader_parameter},
        "writer": {"plugin": writer, "parameter": writer_parameter}}}


def test_a_jobs_parameter_objects_know_their_place_in_it():
    spec = JobSpec.from_dict(_job("ots", {"table": "t"}, "odps", {"table": "p.t", "column": ["a"], "truncate": False}))
    assert spec.reader.key("table") == "configuration.reader.parameter.table"
    assert spec.writer.key("column") == "configuration.writer.parameter.column"


@pytest.mark.parametrize("plugin", sorted(READERS) + sorted(WRITERS))
def test_every_plugins_parameter_class_has_its_key_path(plugin):
    side = "reader" if plugin in READERS else "writer"
    config_class = (READERS if plugin in READERS else WRITERS)[plugin].config
    assert hasattr(config_class, "key"), f"{config_class.__name__} does not know its job keys"
    assert config_class.__dataclass_fields__["path"].default == f"{side}.parameter"


def test_readers_and_writers_spell_no_job_key_by_hand():
    """A key typed as a string drifts from the job's (``writer.parameter.x`` or
    ``configuration.writer.parameter.x``); ``config.key(name)`` cannot."""
    spelled = re.compile(r"""["'](?:configuration\.)?(?:reader|writer)\.parameter\.\w""")
    found = [f"{path.relative_to(PACKAGE)}:{number}" for folder in ("readers", "writers")
             for path in sorted((PACKAGE / folder).glob("*.py"))
             for number, line in enumerate(path.read_text().splitlines(), 1) if spelled.search(line)]
    assert not found, f"job keys spelled by hand (use config.key(name)): {found}"
