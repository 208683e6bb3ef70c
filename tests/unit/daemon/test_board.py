"""Job outcomes drive health and retries: backoff doubles from 5 s up to the job's interval;
/healthz is green while the fast job succeeded within twice its interval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syncd.daemon.board import JobBoard, backoff, health

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_retries_back_off_from_five_seconds_to_the_interval() -> None:
    delays = [backoff(n, MINUTE).total_seconds() for n in range(1, 6)]
    assert delays == [5, 10, 20, 40, 60]


def test_a_success_clears_the_failure_streak() -> None:
    board = JobBoard()
    board.add("fast", MINUTE)
    board.finished("fast", START, "failed", "Salesforce: 503")
    assert (
        board.finished("fast", START + MINUTE, "failed", "Salesforce: 503").failures_in_a_row == 2
    )
    assert board.finished("fast", START + 2 * MINUTE, "ok").failures_in_a_row == 0


def test_healthy_while_the_fast_job_succeeded_within_twice_its_interval() -> None:
    board = JobBoard()
    board.add("fast", MINUTE)
    board.finished("fast", START, "ok")
    assert health(board.get("fast"), START, START + 2 * MINUTE)[0] is True
    board.finished("fast", START + 2 * MINUTE, "failed", "Salesforce: 503 Service Unavailable")
    ok, why = health(board.get("fast"), START, START + 2 * MINUTE + timedelta(seconds=1))
    assert ok is False
    assert "no successful fast sync within 120 s" in why
    assert "503 Service Unavailable" in why


def test_a_young_daemon_is_healthy_before_its_first_cycle() -> None:
    board = JobBoard()
    board.add("fast", MINUTE)
    assert health(board.get("fast"), START, START + MINUTE)[0] is True
    assert health(board.get("fast"), START, START + 3 * MINUTE)[0] is False
