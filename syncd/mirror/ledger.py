"""The decision ledger: every decision with its reasons and the policy version behind it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select

from syncd.mirror.models import LedgerEntry
from syncd.mirror.util import json_safe

__all__ = ["LedgerRecord", "history", "insert", "row"]

TABLE: Table = LedgerEntry.__table__  # type: ignore[assignment]


def row(
    *,
    lead_id: str,
    kind: str,
    at: datetime,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    reasons: Sequence[str],
    policy_version: str | None,
    run_id: str | None,
) -> dict[str, Any]:
    """One ledger entry as a plain row, for :func:`insert`."""
    return {
        "lead_id": lead_id,
        "run_id": run_id,
        "at": at,
        "kind": kind,
        "before": json_safe(dict(before)),
        "after": json_safe(dict(after)),
        "reasons": list(reasons),
        "policy_version": policy_version,
    }


def insert(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many entries in one executemany (a full rescore writes thousands)."""
    if rows:
        conn.execute(TABLE.insert(), list(rows))


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    id: int
    lead_id: str
    run_id: str | None
    at: datetime
    kind: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    reasons: tuple[str, ...]
    policy_version: str | None


def history(conn: Connection, lead_id: str, *, until: datetime | None = None) -> list[LedgerRecord]:
    """A lead's decisions in the order they were made (up to ``until`` when given)."""
    stmt = select(TABLE).where(TABLE.c.lead_id == lead_id).order_by(TABLE.c.at, TABLE.c.id)
    if until is not None:
        stmt = stmt.where(TABLE.c.at <= until)
    return [
        LedgerRecord(
            int(r.id),
            r.lead_id,
            r.run_id,
            r.at,
            r.kind,
            r.before or {},
            r.after or {},
            tuple(str(x) for x in (r.reasons or [])),
            r.policy_version,
        )
        for r in conn.execute(stmt)
    ]


def count_by_kind(conn: Connection, run_id: str) -> dict[str, int]:
    rows = conn.execute(
        select(TABLE.c.kind, func.count()).where(TABLE.c.run_id == run_id).group_by(TABLE.c.kind)
    ).all()
    return {str(k): int(n) for k, n in rows}
