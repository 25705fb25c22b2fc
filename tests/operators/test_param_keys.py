"""Each channel DAG's param says which job key it sets, and a wrong value of that key is blamed on
that param: the key its description names is the key its template fills."""

from __future__ import annotations

import importlib
import re

import pytest

from tablestore_channels.operators.channel import ChannelOperator
from tests.support.exports import EXAMPLE_DAGS

_SETS = re.compile(r"Sets `([^`]+)`\.")
CHANNEL_DAGS = sorted(p.stem for p in EXAMPLE_DAGS.glob("tablestore_*.py") if "retention_guard" not in p.stem)


@pytest.mark.parametrize("dag_id", CHANNEL_DAGS)
def test_each_param_sets_the_job_key_it_names(dag_id):
    dag = importlib.import_module(f"tablestore_channels.example_dags.{dag_id}").dag
    plans = [t for t in dag.tasks if isinstance(t, ChannelOperator) and t.task_id.endswith(".plan")]
    assert plans, dag_id
    params_of_key: dict[str, set[str]] = {}
    for name, param in dag.params.items():
        match = _SETS.search(param.description or "")
        if match and " or " not in match.group(1):  # not a param that sets one key of two, by its value
            params_of_key.setdefault(match.group(1), set()).add(name)
    assert len(params_of_key) >= 5, dag_id
    for key, names in params_of_key.items():
        # an error of the key, in (at least) one of the DAG's jobs, is blamed on a param naming it
        # (two may: a connection that makes another param's default)
        blamed = {plan._where(key) for plan in plans}
        assert any(where.startswith(f"param {name!r}") for name in names for where in blamed), (dag_id, key, blamed)
