"""Run records and their events (what ops read back with `syncd runs` / `syncd logs`), and
small named facts about the mirror itself."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select

from syncd.mirror.models import Meta, RunEvent, SyncRun
from syncd.mirror.util import json_safe

__all__ = [
    "RunEventRecord",
    "RunRecord",
    "add_event",
    "api_calls_since",
    "close_abandoned_runs",
    "finish_run",
    "get_meta",
    "recent_runs",
    "run_events",
    "set_meta",
    "start_run",
]

RUNS: Table = SyncRun.__table__  # type: ignore[assignment]
EVENTS: Table = RunEvent.__table__  # type: ignore[assignment]
META: Table = Meta.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    started_at: datetime
    ended_at: datetime | None
    status: str
    dry_run: bool
    counts: Mapping[str, Any]
    api_calls: int
    api_budget_left: int | None
    policy_version: str | None
    error: str | None

    @property
    def seconds(self) -> float | None:
        return None if self.ended_at is None else (self.ended_at - self.started_at).total_seconds()


@dataclass(frozen=True, slots=True)
class RunEventRecord:
    id: int
    run_id: str
    at: datetime
    level: str
    kind: str
    record_id: str | None
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)


def start_run(conn: Connection, *, now: datetime, dry_run: bool) -> str:
    run_id = str(uuid.uuid4())
    conn.execute(
        RUNS.insert().values(
            id=run_id, started_at=now, status="running", dry_run=dry_run, counts={}, api_calls=0
        )
    )
    return run_id


def finish_run(
    conn: Connection,
    run_id: str,
    *,
    now: datetime,
    status: str,
    counts: Mapping[str, Any],
    api_calls: int,
    api_budget_left: int | None,
    policy_version: str | None = None,
    error: str | None = None,
) -> None:
    conn.execute(
        RUNS.update()
        .where(RUNS.c.id == run_id)
        .values(
            ended_at=now,
            status=status,
            counts=json_safe(dict(counts)),
            api_calls=api_calls,
            api_budget_left=api_budget_left,
            policy_version=policy_version,
            error=error,
        )
    )


def close_abandoned_runs(conn: Connection, *, now: datetime) -> int:
    """Mark runs still 'running' as 'killed': called by the writer-lock holder only, so any
    run still open belongs to a process that died without finishing it."""
    result = conn.execute(
        RUNS.update()
        .where(RUNS.c.status == "running")
        .values(
            status="killed",
            ended_at=now,
            error="the process running it died (killed) before recording an outcome",
        )
    )
    return int(result.rowcount or 0)


def add_event(
    conn: Connection,
    *,
    run_id: str,
    at: datetime,
    level: str,
    kind: str,
    message: str,
    record_id: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    add_events(
        conn,
        [
            {
                "run_id": run_id,
                "at": at,
                "level": level,
                "kind": kind,
                "record_id": record_id,
                "message": message,
                "details": json_safe(dict(details or {})),
            }
        ],
    )


def add_events(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        conn.execute(EVENTS.insert(), list(rows))


def _run(row: Any) -> RunRecord:
    return RunRecord(
        row.id,
        row.started_at,
        row.ended_at,
        row.status,
        bool(row.dry_run),
        row.counts or {},
        int(row.api_calls or 0),
        row.api_budget_left,
        row.policy_version,
        row.error,
    )


def recent_runs(conn: Connection, limit: int = 20) -> list[RunRecord]:
    stmt = select(RUNS).order_by(RUNS.c.started_at.desc()).limit(limit)
    return [_run(r) for r in conn.execute(stmt)]


def get_run(conn: Connection, run_id: str) -> RunRecord | None:
    row = conn.execute(select(RUNS).where(RUNS.c.id == run_id)).first()
    return None if row is None else _run(row)


def find_run(conn: Connection, prefix: str) -> str | None:
    """The newest run whose id starts with ``prefix``."""
    stmt = (
        select(RUNS.c.id)
        .where(RUNS.c.id.like(prefix.replace("%", "").replace("_", "") + "%"))
        .order_by(RUNS.c.started_at.desc())
        .limit(1)
    )
    found = conn.execute(stmt).scalar()
    return None if found is None else str(found)


def run_events(
    conn: Connection, run_id: str | None = None, limit: int = 200
) -> list[RunEventRecord]:
    stmt = select(EVENTS).order_by(EVENTS.c.at.desc(), EVENTS.c.id.desc()).limit(limit)
    if run_id is not None:
        stmt = stmt.where(EVENTS.c.run_id == run_id)
    return [
        RunEventRecord(
            int(r.id), r.run_id, r.at, r.level, r.kind, r.record_id, r.message, r.details or {}
        )
        for r in conn.execute(stmt)
    ]


def api_calls_since(conn: Connection, since: datetime) -> int:
    """syncd's own API calls in runs started since ``since`` (the rolling 24 h budget)."""
    total = conn.execute(
        select(func.coalesce(func.sum(RUNS.c.api_calls), 0)).where(RUNS.c.started_at >= since)
    ).scalar()
    return int(total or 0)


def api_call_history(conn: Connection, since: datetime) -> list[tuple[datetime, int]]:
    """(when, calls) of each run since ``since`` that made calls: the budget's rolling window
    (a run's calls are dated by its end, so they leave the window no earlier than they should)."""
    when = func.coalesce(RUNS.c.ended_at, RUNS.c.started_at)
    rows = conn.execute(
        select(when, RUNS.c.api_calls).where(RUNS.c.started_at >= since, RUNS.c.api_calls > 0)
    )
    return [(at if at.tzinfo else at.replace(tzinfo=UTC), int(n)) for at, n in rows]


def get_meta(conn: Connection, key: str) -> dict[str, Any]:
    row = conn.execute(select(META.c.value).where(META.c.key == key)).first()
    return dict(row[0]) if row is not None and row[0] else {}


def set_meta(conn: Connection, key: str, value: Mapping[str, Any], now: datetime) -> None:
    data = json_safe(dict(value))
    updated = conn.execute(
        META.update().where(META.c.key == key).values(value=data, updated_at=now)
    )
    if not updated.rowcount:
        conn.execute(META.insert().values(key=key, value=data, updated_at=now))
