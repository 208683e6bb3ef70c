"""The outbox: every write syncd owes the org, with its state machine.

One field of one record per update entry (so a newer value of one field supersedes only that
field), one record per create entry (with an idempotency key, created exactly once). An
entry is marked SENDING and committed before its call; a crash in between leaves it in
doubt, and the next run resolves it before sending anything else.

    PENDING  -> SENDING -> DONE | RETRY | FAILED     (the call and Salesforce's answer)
    RETRY    -> SENDING                              (after its back-off)
    SENDING  -> PENDING                              (in doubt after a crash; refused unsent)
    PENDING | RETRY -> SUPERSEDED                    (a newer write of the field; the person
                                                      won a conflict; the lead is gone)
    PENDING | RETRY | SENDING -> DONE                (the org already holds the value)
    PENDING | RETRY -> FAILED                        (never sendable: a converted lead)
    FAILED   -> PENDING | IGNORED                    (an operator's retry or ignore)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, or_, select, tuple_

from syncd.mirror.models import OutboxEntry
from syncd.mirror.util import chunked, insert_for, json_safe

__all__ = [
    "ALLOWED",
    "OPEN",
    "OutboxItem",
    "OutboxState",
    "can_move",
    "counts",
    "due",
    "enqueue_create",
    "enqueue_updates",
    "in_doubt",
    "move",
    "supersede_all_but_newest",
    "update_row",
]

TABLE: Table = OutboxEntry.__table__  # type: ignore[assignment]


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # in doubt: the batch may or may not have reached the org
    RETRY = "retry"
    DONE = "done"
    FAILED = "failed"
    SUPERSEDED = "superseded"
    IGNORED = "ignored"


S = OutboxState
ALLOWED: Mapping[OutboxState, frozenset[OutboxState]] = {
    S.PENDING: frozenset({S.SENDING, S.SUPERSEDED, S.DONE, S.FAILED}),
    S.RETRY: frozenset({S.SENDING, S.SUPERSEDED, S.DONE, S.FAILED}),
    S.SENDING: frozenset({S.DONE, S.RETRY, S.FAILED, S.PENDING}),
    S.FAILED: frozenset({S.PENDING, S.IGNORED}),
    S.DONE: frozenset(),
    S.SUPERSEDED: frozenset(),
    S.IGNORED: frozenset(),
}
#: Entries that still mean work for the org.
OPEN = (S.PENDING, S.RETRY, S.SENDING)
_REPLACEABLE = (S.PENDING, S.RETRY)


def can_move(source: OutboxState, target: OutboxState) -> bool:
    return target in ALLOWED[source]


def sources_of(target: OutboxState) -> tuple[OutboxState, ...]:
    return tuple(s for s, targets in ALLOWED.items() if target in targets)


def move(
    conn: Connection,
    ids: Sequence[int],
    target: OutboxState,
    now: datetime,
    **values: Any,
) -> int:
    """Move entries to ``target``; entries whose state does not allow it are left alone."""
    moved = 0
    for chunk in chunked(list(ids)):
        result = conn.execute(
            TABLE.update()
            .where(TABLE.c.id.in_(chunk), TABLE.c.state.in_([s.value for s in sources_of(target)]))
            .values(state=target.value, updated_at=now, **values)
        )
        moved += int(result.rowcount or 0)
    return moved


def mark_sending(conn: Connection, ids: Sequence[int], now: datetime) -> str:
    batch_id = str(uuid.uuid4())
    move(conn, ids, S.SENDING, now, batch_id=batch_id, attempts=TABLE.c.attempts + 1)
    return batch_id


def release(conn: Connection, ids: Sequence[int], now: datetime) -> None:
    """A batch refused before it was sent (budget guard) is not in doubt: send it later."""
    for chunk in chunked(list(ids)):
        conn.execute(
            TABLE.update()
            .where(TABLE.c.id.in_(chunk), TABLE.c.state == S.SENDING.value)
            .values(
                state=S.PENDING.value,
                updated_at=now,
                attempts=func.max(TABLE.c.attempts - 1, 0)
                if conn.dialect.name == "sqlite"
                else func.greatest(TABLE.c.attempts - 1, 0),
            )
        )


def supersede_all_but_newest(
    conn: Connection, keys: Iterable[tuple[str, str]], now: datetime, *, why: str | None = None
) -> int:
    """The one supersede rule: of the open writes of one field, only the newest is sent.

    ``keys`` are (record id, field); for each, every PENDING or RETRY update except the one
    with the highest id becomes SUPERSEDED (an entry in doubt is never superseded here: it is
    resolved first, then judged like any other).
    """
    wanted = sorted(set(keys))
    count = 0
    for chunk in chunked(wanted, 300):
        rows = conn.execute(
            select(TABLE.c.id, TABLE.c.record_id, TABLE.c.field).where(
                tuple_(TABLE.c.record_id, TABLE.c.field).in_(chunk),
                TABLE.c.operation == "update",
                TABLE.c.state.in_([s.value for s in _REPLACEABLE]),
            )
        ).all()
        newest: dict[tuple[str, str], int] = {}
        for entry_id, record_id, field in rows:
            key = (str(record_id), str(field))
            newest[key] = max(newest.get(key, 0), int(entry_id))
        older = [int(i) for i, r, f in rows if int(i) != newest[(str(r), str(f))]]
        extra = {"last_error": why} if why else {}
        count += move(conn, older, S.SUPERSEDED, now, **extra)
    return count


def update_row(
    *,
    sobject: str,
    record_id: str,
    field: str,
    output: str,
    value: Any,
    base: Any,
    reason: str,
    priority: int,
    run_id: str | None,
    now: datetime,
) -> dict[str, Any]:
    """One pending field write as a plain row; ``base`` is the org value it was computed from."""
    return {
        "sobject": sobject,
        "operation": "update",
        "record_id": record_id,
        "field": field,
        "logical_field": output,
        "value": {"v": json_safe(value), "base": json_safe(base)},
        "payload": {},
        "idempotency_key": None,
        "reason": reason,
        "priority": priority,
        "state": S.PENDING.value,
        "attempts": 0,
        "run_id": run_id,
        "created_at": now,
        "updated_at": now,
    }


def enqueue_updates(conn: Connection, rows: Sequence[Mapping[str, Any]], now: datetime) -> int:
    """Queue field writes (one executemany) and supersede the older open writes they replace."""
    if not rows:
        return 0
    conn.execute(TABLE.insert(), list(rows))
    supersede_all_but_newest(conn, [(str(r["record_id"]), str(r["field"])) for r in rows], now)
    return len(rows)


def enqueue_create(
    conn: Connection,
    *,
    sobject: str,
    payload: Mapping[str, Any],
    idempotency_key: str,
    reason: str,
    priority: int,
    run_id: str | None,
    now: datetime,
    record_id: str | None = None,
) -> bool:
    """Queue a record to create once; False when that key was queued before."""
    stmt = (
        insert_for(conn, TABLE)
        .values(
            sobject=sobject,
            operation="create",
            record_id=record_id,
            value={},
            payload=json_safe(dict(payload)),
            idempotency_key=idempotency_key,
            reason=reason,
            priority=priority,
            state=S.PENDING.value,
            attempts=0,
            run_id=run_id,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        # rowcount is unreliable for INSERT .. ON CONFLICT on psycopg; RETURNING is not.
        .returning(TABLE.c.id)
    )
    return conn.execute(stmt).first() is not None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One entry as plain data: what to send, and what the sender must know about it."""

    id: int
    sobject: str
    operation: str
    record_id: str | None
    field: str | None
    output: str | None
    value: Any
    base: Any
    has_base: bool
    payload: Mapping[str, Any]
    idempotency_key: str | None
    reason: str | None
    priority: int
    attempts: int
    state: OutboxState
    error_code: str | None = None
    last_error: str | None = None
    updated_at: datetime | None = None


def _item(row: Any) -> OutboxItem:
    value = row.value or {}
    return OutboxItem(
        id=int(row.id),
        sobject=row.sobject,
        operation=row.operation,
        record_id=row.record_id,
        field=row.field,
        output=row.logical_field,
        value=value.get("v"),
        base=value.get("base"),
        has_base="base" in value,
        payload=row.payload or {},
        idempotency_key=row.idempotency_key,
        reason=row.reason,
        priority=int(row.priority),
        attempts=int(row.attempts),
        state=OutboxState(row.state),
        error_code=row.error_code,
        last_error=row.last_error,
        updated_at=row.updated_at,
    )


def due(conn: Connection, now: datetime) -> list[OutboxItem]:
    """Pending and retry-due entries, highest priority first, oldest first."""
    stmt = (
        select(TABLE)
        .where(
            TABLE.c.state.in_([S.PENDING.value, S.RETRY.value]),
            or_(TABLE.c.next_attempt_at.is_(None), TABLE.c.next_attempt_at <= now),
        )
        .order_by(TABLE.c.priority, TABLE.c.id)
    )
    return [_item(r) for r in conn.execute(stmt)]


def in_doubt(conn: Connection) -> list[OutboxItem]:
    """Entries marked SENDING when a previous run stopped: they may have reached the org."""
    stmt = select(TABLE).where(TABLE.c.state == S.SENDING.value).order_by(TABLE.c.id)
    return [_item(r) for r in conn.execute(stmt)]


def open_updates(conn: Connection, record_ids: Iterable[str]) -> list[OutboxItem]:
    """The open (pending, retry, in doubt) field writes of these records."""
    out: list[OutboxItem] = []
    for chunk in chunked(sorted(set(record_ids))):
        stmt = select(TABLE).where(
            TABLE.c.record_id.in_(chunk),
            TABLE.c.operation == "update",
            TABLE.c.state.in_([s.value for s in OPEN]),
        )
        out.extend(_item(r) for r in conn.execute(stmt))
    return out


def items(conn: Connection, ids: Sequence[int]) -> list[OutboxItem]:
    out: list[OutboxItem] = []
    for chunk in chunked(list(ids)):
        out.extend(_item(r) for r in conn.execute(select(TABLE).where(TABLE.c.id.in_(chunk))))
    return out


def failed(conn: Connection, limit: int = 50) -> list[OutboxItem]:
    """Writes Salesforce refused for good, newest first (the status page lists them)."""
    stmt = (
        select(TABLE)
        .where(TABLE.c.state == S.FAILED.value)
        .order_by(TABLE.c.updated_at.desc(), TABLE.c.id.desc())
        .limit(limit)
    )
    return [_item(r) for r in conn.execute(stmt)]


def counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(TABLE.c.state, func.count()).group_by(TABLE.c.state)).all()
    return {str(state): int(n) for state, n in rows}


def pending_record_ids(conn: Connection) -> set[str]:
    rows = conn.execute(
        select(TABLE.c.record_id).where(
            TABLE.c.state.in_([s.value for s in OPEN]), TABLE.c.record_id.is_not(None)
        )
    )
    return {str(r[0]) for r in rows}


def drop_open_writes(conn: Connection, record_ids: Iterable[str], now: datetime, why: str) -> int:
    """Supersede every open update of these records (deleted or merged away in the org)."""
    ids = [i.id for i in open_updates(conn, record_ids) if i.state is not S.SENDING]
    return move(conn, ids, S.SUPERSEDED, now, last_error=why)


@dataclass(frozen=True, slots=True)
class Settled:
    """Salesforce's answer applied to one entry."""

    entry_id: int
    state: OutboxState  # DONE, RETRY or FAILED
    error_code: str | None = None
    message: str | None = None
    next_attempt_at: datetime | None = None
    created_record_id: str | None = None


def created_by_syncd(conn: Connection, record_ids: Iterable[str]) -> set[str]:
    """Which of these record ids syncd itself created (a done create recorded their id)."""
    out: set[str] = set()
    for chunk in chunked(sorted(set(record_ids))):
        stmt = select(TABLE.c.created_record_id).where(
            TABLE.c.created_record_id.in_(chunk), TABLE.c.state == S.DONE.value
        )
        out.update(str(i) for i in conn.scalars(stmt))
    return out


def settle(conn: Connection, answers: Sequence[Settled], now: datetime) -> None:
    """Record the answers of one call, in one executemany per outcome."""
    for state in (S.DONE, S.RETRY, S.FAILED):
        rows = [
            {
                "b_id": a.entry_id,
                "b_code": a.error_code,
                "b_message": a.message,
                "b_next": a.next_attempt_at,
                "b_created": a.created_record_id,
            }
            for a in answers
            if a.state is state
        ]
        if not rows:
            continue
        values: dict[str, Any] = {
            "state": state.value,
            "updated_at": now,
            "error_code": bindparam("b_code"),
            "last_error": bindparam("b_message"),
        }
        if state is S.RETRY:
            values["next_attempt_at"] = bindparam("b_next")
        if state is S.DONE:
            values["created_record_id"] = func.coalesce(
                bindparam("b_created"), TABLE.c.created_record_id
            )
        stmt = (
            TABLE.update()
            .where(
                TABLE.c.id == bindparam("b_id"),
                # executemany cannot expand an IN list: spell the allowed sources out.
                or_(*(TABLE.c.state == s.value for s in sources_of(state))),
            )
            .values(**values)
        )
        conn.execute(stmt, rows)
