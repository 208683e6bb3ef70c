"""How each job went: the daemon's memory for health, backoff and the status page.

Thread-safe (jobs run on the scheduler's worker, the HTTP server reads from its own threads).
The clock is passed in, so health and backoff are plain functions of what happened.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

__all__ = ["JobBoard", "JobRecord", "backoff", "health"]

#: A failed job is retried after 5 s, 10 s, 20 s ... never later than its own interval.
FIRST_RETRY = timedelta(seconds=5)


def backoff(failures: int, interval: timedelta) -> timedelta:
    """When to try again after ``failures`` failures in a row."""
    if failures <= 0:
        return interval
    delay: timedelta = FIRST_RETRY * (2 ** min(failures - 1, 16))
    return min(interval, delay)


@dataclass(frozen=True)
class JobRecord:
    name: str
    interval: timedelta
    last_started: datetime | None = None
    last_finished: datetime | None = None
    last_status: str | None = None  # ok, failed, stopped, interrupted, error
    last_error: str | None = None
    last_ok: datetime | None = None
    failures_in_a_row: int = 0
    runs: int = 0
    next_run: datetime | None = None


class JobBoard:
    def __init__(self) -> None:
        self._jobs: dict[str, JobRecord] = {}
        self._lock = threading.Lock()

    def add(self, name: str, interval: timedelta) -> None:
        with self._lock:
            self._jobs[name] = JobRecord(name, interval)

    def started(self, name: str, at: datetime) -> None:
        self._update(name, last_started=at)

    def finished(self, name: str, at: datetime, status: str, error: str | None = None) -> JobRecord:
        """Record an outcome; returns the record (its failures_in_a_row drives backoff)."""
        with self._lock:
            job = self._jobs[name]
            ok = status in ("ok", "interrupted")
            job = replace(
                job,
                last_finished=at,
                last_status=status,
                last_error=error,
                last_ok=at if ok else job.last_ok,
                failures_in_a_row=0 if ok else job.failures_in_a_row + 1,
                runs=job.runs + 1,
            )
            self._jobs[name] = job
            return job

    def scheduled(self, name: str, next_run: datetime | None) -> None:
        self._update(name, next_run=next_run)

    def get(self, name: str) -> JobRecord | None:
        with self._lock:
            return self._jobs.get(name)

    def all(self) -> list[JobRecord]:
        with self._lock:
            return list(self._jobs.values())

    def _update(self, name: str, **values: object) -> None:
        with self._lock:
            self._jobs[name] = replace(self._jobs[name], **values)  # type: ignore[arg-type]


def health(job: JobRecord | None, since: datetime, now: datetime) -> tuple[bool, str]:
    """Healthy when the job succeeded within twice its interval (or the daemon is younger)."""
    if job is None:
        return False, "the fast sync job is not scheduled"
    window = job.interval * 2
    if job.last_ok is not None and now - job.last_ok <= window:
        return True, f"last fast sync ok at {job.last_ok.isoformat(timespec='seconds')}"
    if job.last_ok is None and now - since <= window:
        return True, "starting: no fast sync finished yet"
    last = job.last_ok.isoformat(timespec="seconds") if job.last_ok else "never"
    why = f" ({job.last_error})" if job.last_error else ""
    return (
        False,
        f"no successful fast sync within {int(window.total_seconds())} s (last ok: {last}){why}",
    )
