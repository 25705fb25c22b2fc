"""The retention guard through its DAG against the local servers: a stream sync paused past its
share of a (shortened, 1-hour) stream retention raises the alert, by e-mail and webhook, naming
the table, the lag, the time left and the way out, before any change is lost; a sync that keeps
up raises none; and the check itself, on fakes of the clock."""

from __future__ import annotations

import re

import pytest

from devstack.connections import DirectConnections
from tablestore_channels.plugins.otsstreamreader.retention import StreamLag, check
from tests.support.airflow_runs import EXAMPLE_DAGS, run_dag
from tests.support.alerts import alert_connections
from tests.support.exports import cloud_connections, next_run_date, task_states
from tests.support.streams import create_stream_table, now_ms, put, run_window, stream_job

DAG_FILE = EXAMPLE_DAGS / "tablestore_stream_retention_guard.py"
MINUTE_MS, HOUR_MS = 60_000, 3_600_000


@pytest.fixture(scope="module")
def cloud(localcloud):
    with cloud_connections(localcloud.endpoints):
        yield localcloud.endpoints


def _guard(tables: list[str], **params):
    return run_dag(DAG_FILE, "tablestore_stream_retention_guard", logical_date=next_run_date(),
                   run_conf={"tables": tables, "status_table": "guard_status", **params})


def _commit_window_ending(cloud, table: str, end_ms: int) -> None:
    """What a stream sync's run leaves: the window's output and checkpoints keyed at its end."""
    run_window(cloud, stream_job(table, end_ms - 5 * MINUTE_MS, end_ms, concurrent=1, statusTable="guard_status"),
               run_key=f"{table}-{end_ms}")


@pytest.mark.timeout(300)
def test_a_sync_paused_past_its_share_of_the_retention_alerts_and_one_that_keeps_up_does_not(
        cloud, smtp_inbox, webhook_receiver, monkeypatch):
    inbox, smtp_port = smtp_inbox
    received, http_port = webhook_receiver
    alert_connections(monkeypatch, smtp_port, http_port)
    client = DirectConnections(cloud).tablestore(None)
    for table in ("guard_paused", "guard_current"):
        create_stream_table(client, table, hours=1)
        put(client, table, "k", 1)
    _commit_window_ending(cloud, "guard_paused", now_ms() - 40 * MINUTE_MS)  # then the sync stopped
    _commit_window_ending(cloud, "guard_current", now_ms() - 2 * MINUTE_MS)

    kept_up = _guard(["guard_current"])
    assert kept_up.state == "success", task_states(kept_up)
    assert not received and not inbox.messages

    behind = _guard(["guard_current", "guard_paused"])
    assert behind.state == "failed" and task_states(behind)["check_stream_lag"] == ["failed"]
    [(_, _, payload)] = received
    error = payload["error"]
    # 40 min behind: past half of the 1-hour retention (30 min), 20 min before the oldest
    # change not yet exported leaves the stream
    assert "table 'guard_paused': the stream sync's newest committed window ended 40 min ago" in error, error
    assert "The stream keeps changes for 1 h: the oldest change not yet exported leaves it in 20 min" in error
    assert "Fix: resume the stream sync" in error and "full export" in error
    assert "guard_current" not in error
    [(_, mail)] = inbox.messages
    assert "tablestore_stream_retention_guard.check_stream_lag failed" in mail["Subject"]


def _lag(newest_end_minutes_ago: float | None, hours: int = 24) -> StreamLag:
    now = 1_800_000_000_000
    newest = None if newest_end_minutes_ago is None else now - round(newest_end_minutes_ago * MINUTE_MS)
    return StreamLag("t", now, newest, hours)


@pytest.mark.parametrize("minutes_ago, hours, alerts", [
    (5, 24, False), (59, 24, False), (61, 24, True),  # the 60-minute threshold comes first
    (29, 1, False), (31, 1, True),                    # half of a 1-hour retention comes first
])
def test_the_threshold_is_the_lower_of_the_minutes_and_the_share_of_the_retention(minutes_ago, hours, alerts):
    assert (check(_lag(minutes_ago, hours), max_lag_minutes=60, retention_share=0.5) is not None) is alerts


def test_past_the_retention_it_says_changes_are_being_lost_and_with_nothing_committed_it_says_so():
    lost = check(_lag(26 * 60), max_lag_minutes=60, retention_share=0.5)
    assert lost is not None and "ended 26 h 00 min ago" in lost and "left it 2 h 00 min ago: changes are being lost" in lost
    never = check(_lag(None), max_lag_minutes=60, retention_share=0.5)
    assert never is not None and re.search(r"has committed no window yet .* keeps changes for 24 h", never)
