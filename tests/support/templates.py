"""Rendering a channel DAG's templates as Airflow renders them for a run: strict about undefined
names, with the channel macros, and without ``logical_date`` / ``ds`` in the context of a run that
has no logical date (Airflow 3's REST API and ``airflow dags trigger`` default)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import jinja2

from tablestore_channels.channel import stream_window


def render(template: str, run_time: dt.datetime, *, logical: bool = True, **context: Any) -> str:
    """``template`` rendered for a run at ``run_time``; ``logical`` false: a run without a logical
    date, triggered at ``run_time``."""
    dag_run = SimpleNamespace(logical_date=run_time if logical else None, run_after=run_time)
    names: dict[str, Any] = {"dag_run": dag_run, **stream_window.macros(), **context}
    if logical:
        names.update(logical_date=run_time, ds_nodash=run_time.strftime("%Y%m%d"))
    return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(template).render(**names)
