"""docs/python-api.md's parameter reference is the one the typed classes give today."""

from __future__ import annotations

from devstack import api_reference


def test_the_parameter_reference_is_generated_from_the_classes():
    document = api_reference.DOC.read_text()
    assert document == api_reference.rendered(document), "stale: run `.venv/bin/python -m devstack.api_reference`"
    for cls in api_reference.CLASSES:
        for name in cls.model_fields:
            assert f"| `{name}` |" in document, (cls.__name__, name)
