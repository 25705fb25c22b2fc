"""The stream window of a run: the seed's [t - 10 min, t - 5 min) by default, rendered the same
way in the stream DAG and in job files."""

from __future__ import annotations

import pendulum

from tablestore_channels.authoring.job_variables import templatize
from tablestore_channels.channel import stream_window
from tests.support.templates import render

RUN = pendulum.datetime(2026, 3, 1, 17, 3, 0, tz="UTC")


def test_default_window_is_the_seeds_ten_to_five_minutes_before_the_run():
    window = stream_window.stream_window(RUN)
    assert (window.start, window.end) == (RUN.subtract(minutes=10), RUN.subtract(minutes=5))
    assert window.settled_at == RUN
    assert window.start_ms == RUN.subtract(minutes=10).int_timestamp * 1000
    assert window.end_ms - window.start_ms == 300_000
    assert window.path == "20260301/20260301165300-20260301165800/"
    assert (window.start_string("Asia/Shanghai"), window.end_string("UTC")) == ("20260302005300", "20260301165800")


def test_window_and_lag_minutes_move_both_edges_and_the_settle_time():
    window = stream_window.stream_window(RUN, window_minutes=15, lag_minutes=2)
    assert (window.start, window.end, window.settled_at) == (
        RUN.subtract(minutes=17), RUN.subtract(minutes=2), RUN)


def test_the_dag_template_and_the_job_variables_render_the_same_window():
    dag_start = render(stream_window.template("start_ms", "params.w", "params.lag"), RUN, params={"w": 5, "lag": 5})
    job = templatize({"start": "${start_time}", "end": "${endTime}"}, "UTC", set())
    assert int(dag_start) == pendulum.from_format(render(job["start"], RUN), "YYYYMMDDHHmmss",
                                                  tz="UTC").int_timestamp * 1000
    assert render(job["end"], RUN) == "20260301165800"


def test_a_run_without_a_logical_date_uses_when_it_was_to_run():
    for attribute, expected in (("path", "20260301/20260301165300-20260301165800/"),
                                ("start_instant", "2026-03-01T16:53:00.000+00:00"),
                                ("settled_at", "2026-03-01 17:03:00+00:00")):
        assert render(stream_window.template(attribute), RUN, logical=False) == expected
    assert render("{{ " + stream_window.date_template("Asia/Shanghai", "%Y%m%d/%H%M%S") + " }}", RUN,
                  logical=False) == "20260302/010300"
