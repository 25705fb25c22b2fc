"""A pytest plugin for the SDK suites that ``sdk_suites.py`` runs (loaded with ``-p``); it changes
their pacing, never an assertion.

- Each test starts from ``random.seed(<its node id>)``: oss2's resumable-transfer tests pick their
  bucket with ``random.choice`` among a plain, an RSA and a KMS client-side-encryption bucket, and
  the KMS one needs the KMS service. Seeded, every run picks the same, so the expected failures
  are the same each run.
- Tablestore's ``wait_for_partition_load`` and ``wait_for_capacity_unit_update`` sleep 60 s for
  the service to load a new table or apply new throughput; localcloud does both before it
  answers, so they return at once (the suite would otherwise take over an hour).
"""

from __future__ import annotations

import random

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    random.seed(item.nodeid)


def pytest_collection_finish(session: pytest.Session) -> None:
    try:
        from tests.lib.api_test_base import APITestBase  # the Tablestore suite's base class
    except ImportError:
        return
    APITestBase.wait_for_partition_load = lambda self, *args, **kwargs: None
    APITestBase.wait_for_capacity_unit_update = lambda self, *args, **kwargs: None
