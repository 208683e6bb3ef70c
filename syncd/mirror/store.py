"""Reads and writes on the mirror. Adapters translate; nothing here decides.

Every function takes a Session and leaves committing to the caller, so a page of rows and the
watermark that covers it are saved in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from syncd.mirror.models import (
    ORG_MODELS,
    Activity,
    LeadState,
    LedgerEntry,
    Meta,
    OutboxEntry,
    RoutingStateRow,
    RunEvent,
    SyncRun,
    Watermark,
)

# Outbox states. "sending" is the in-doubt state: the batch may or may not have reached the org.
PENDING, SENDING, RETRY, DONE, FAILED, SUPERSEDED = (
    "pending",
    "sending",
    "retry",
    "done",
    "failed",
    "superseded",
)
OPEN_STATES = (PENDING, RETRY, SENDING)

_UPSERT_CHUNK = 500
T = TypeVar("T")


def chunked(items: Sequence[T], size: int = 500) -> Iterator[list[T]]:
    """``items`` in lists of ``size``: IN lists and statements stay within database limits."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def json_safe(value: Any) -> Any:
    """``value`` with datetimes as ISO text, Decimals as floats: ready for a JSON column."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def _insert_for(session: Session, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported mirror dialect {dialect!r}")


def split_attributes(sobject: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Typed columns from ``attributes``; every other attribute goes into ``fields`` JSON."""
    model = ORG_MODELS[sobject]
    table: Table = model.__table__  # type: ignore[attr-defined]
    columns = set(table.columns.keys())
    row: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in attributes.items():
        if key in columns and key not in ("fields", "mirrored_at"):
            row[key] = value
        else:
            extra[key] = json_safe(value)
    row["fields"] = extra
    if model is Activity:
        row["kind"] = sobject
    return row


def upsert_records(
    session: Session, sobject: str, records: Sequence[Mapping[str, Any]], now: datetime
) -> int:
    """Insert or update mirror rows by Id; re-reading a boundary row is harmless."""
    if not records:
        return 0
    model = ORG_MODELS[sobject]
    table: Table = model.__table__  # type: ignore[attr-defined]
    rows = [split_attributes(sobject, r) | {"mirrored_at": now} for r in records]
    # One statement shape per chunk: every row carries the same keys.
    keys = set().union(*(r.keys() for r in rows))
    defaults = {c.name: getattr(c.default, "arg", None) for c in table.columns}
    rows = [{k: r.get(k, _default(defaults.get(k))) for k in keys} for r in rows]
    # One compiled statement, executed many times: the driver batches the rows.
    stmt = _insert_for(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={k: stmt.excluded[k] for k in keys if k != "id"},
    )
    # Core on the session's connection: the ORM bulk path costs more than the upsert itself.
    connection = session.connection()
    for chunk in chunked(rows, _UPSERT_CHUNK):
        connection.execute(stmt, chunk)
    return len(rows)


def _default(value: Any) -> Any:
    if callable(value):
        # Column defaults such as dict / list are factories taking a context argument.
        try:
            return value(None)
        except TypeError:
            return value()
    return value


def org_record(session: Session, sobject: str, record_id: str) -> Any:
    return session.get(ORG_MODELS[sobject], record_id)


def attributes_of(row: Any) -> dict[str, Any]:
    """A mirror row back as one attribute mapping (typed columns and ``fields`` merged)."""
    table: Table = row.__table__
    out: dict[str, Any] = dict(row.fields or {})
    for name in table.columns.keys():  # noqa: SIM118 - ColumnCollection iterates columns
        if name != "fields":
            out[name] = getattr(row, name)
    return out


# --- watermarks -------------------------------------------------------------------------------


def get_watermark(session: Session, sobject: str) -> Watermark | None:
    return session.get(Watermark, sobject)


def save_watermark(
    session: Session,
    sobject: str,
    value: datetime,
    *,
    run_id: str | None,
    now: datetime,
    full_pull_done: bool | None = None,
) -> None:
    """Advance (never rewind) the object's watermark, in the caller's transaction."""
    row = session.get(Watermark, sobject)
    if row is None:
        row = Watermark(
            sobject=sobject,
            watermark=value,
            run_id=run_id,
            updated_at=now,
            full_pull_done=bool(full_pull_done),
        )
        session.add(row)
        return
    if value > row.watermark:
        row.watermark = value
    row.run_id = run_id
    row.updated_at = now
    if full_pull_done is not None:
        row.full_pull_done = full_pull_done


def reset_watermark(session: Session, sobject: str) -> None:
    row = session.get(Watermark, sobject)
    if row is not None:
        session.delete(row)


# --- outbox -----------------------------------------------------------------------------------


def enqueue_update(
    session: Session,
    *,
    sobject: str,
    record_id: str,
    field: str,
    logical_field: str | None,
    value: Any,
    reason: str,
    priority: int,
    run_id: str | None,
    now: datetime,
    open_entries: Iterable[OutboxEntry] | None = None,
) -> OutboxEntry:
    """Queue one field write; an older pending write of the same field is superseded.

    ``open_entries``: the record's open entries when the caller has already loaded them,
    which saves a statement per field on large evaluations.
    """
    if open_entries is None:
        session.execute(
            update(OutboxEntry)
            .where(
                OutboxEntry.record_id == record_id,
                OutboxEntry.field == field,
                OutboxEntry.state.in_((PENDING, RETRY)),
            )
            .values(state=SUPERSEDED, updated_at=now)
        )
    else:
        for older in open_entries:
            if older.field == field and older.state in (PENDING, RETRY):
                older.state = SUPERSEDED
                older.updated_at = now
    entry = OutboxEntry(
        sobject=sobject,
        operation="update",
        record_id=record_id,
        field=field,
        logical_field=logical_field,
        value={"v": json_safe(value)},
        payload={},
        reason=reason,
        priority=priority,
        state=PENDING,
        attempts=0,
        run_id=run_id,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    return entry


def enqueue_create(
    session: Session,
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
    table: Table = OutboxEntry.__table__  # type: ignore[assignment]
    stmt = (
        _insert_for(session, table)
        .values(
            sobject=sobject,
            operation="create",
            record_id=record_id,
            value={},
            payload=json_safe(dict(payload)),
            idempotency_key=idempotency_key,
            reason=reason,
            priority=priority,
            state=PENDING,
            attempts=0,
            run_id=run_id,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        # rowcount is unreliable for INSERT .. ON CONFLICT on psycopg; RETURNING is not.
        .returning(table.c.id)
    )
    # On the connection: no autoflush of unrelated pending objects before each insert.
    return session.connection().execute(stmt).first() is not None


def due_entries(session: Session, now: datetime, *, limit: int | None = None) -> list[OutboxEntry]:
    """Pending and retry-due entries, highest priority first, oldest first."""
    stmt = (
        select(OutboxEntry)
        .where(
            OutboxEntry.state.in_((PENDING, RETRY)),
            (OutboxEntry.next_attempt_at.is_(None)) | (OutboxEntry.next_attempt_at <= now),
        )
        .order_by(OutboxEntry.priority, OutboxEntry.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def in_doubt_entries(session: Session) -> list[OutboxEntry]:
    """Entries marked as sending when a previous run stopped: they may have reached the org."""
    return list(
        session.scalars(
            select(OutboxEntry).where(OutboxEntry.state == SENDING).order_by(OutboxEntry.id)
        )
    )


def mark_sending(session: Session, entries: Iterable[OutboxEntry], now: datetime) -> str:
    batch_id = str(uuid.uuid4())
    for entry in entries:
        entry.state = SENDING
        entry.batch_id = batch_id
        entry.attempts += 1
        entry.updated_at = now
    return batch_id


def mark_done(entry: OutboxEntry, now: datetime, *, created_record_id: str | None = None) -> None:
    entry.state = DONE
    entry.updated_at = now
    entry.last_error = None
    entry.error_code = None
    if created_record_id:
        entry.created_record_id = created_record_id


def mark_retry(
    entry: OutboxEntry, now: datetime, *, error_code: str, message: str, delay: timedelta
) -> None:
    entry.state = RETRY
    entry.error_code = error_code
    entry.last_error = message
    entry.next_attempt_at = now + delay
    entry.updated_at = now


def mark_failed(entry: OutboxEntry, now: datetime, *, error_code: str, message: str) -> None:
    entry.state = FAILED
    entry.error_code = error_code
    entry.last_error = message
    entry.updated_at = now


def outbox_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)
    ).all()
    return {state: int(n) for state, n in rows}


def pending_values(session: Session, record_ids: Iterable[str]) -> dict[tuple[str, str], Any]:
    """(record id, field) -> value still waiting to be written."""
    out: dict[tuple[str, str], Any] = {}
    for chunk in chunked(list(record_ids)):
        for entry in session.scalars(
            select(OutboxEntry).where(
                OutboxEntry.record_id.in_(chunk),
                OutboxEntry.operation == "update",
                OutboxEntry.state.in_(OPEN_STATES),
            )
        ):
            if entry.record_id and entry.field:
                out[(entry.record_id, entry.field)] = entry.value.get("v")
    return out


# --- ledger -----------------------------------------------------------------------------------


def append_ledger(
    session: Session,
    *,
    lead_id: str,
    kind: str,
    at: datetime,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    reasons: Sequence[str],
    policy_version: str | None,
    run_id: str | None,
) -> None:
    session.add(
        LedgerEntry(
            lead_id=lead_id,
            run_id=run_id,
            at=at,
            kind=kind,
            before=json_safe(dict(before)),
            after=json_safe(dict(after)),
            reasons=list(reasons),
            policy_version=policy_version,
        )
    )


def ledger_row(
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
    """One ledger entry as a plain row, for :func:`insert_ledger_rows`."""
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


def insert_ledger_rows(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many ledger entries in one executemany (a full rescore writes thousands)."""
    if rows:
        table: Table = LedgerEntry.__table__  # type: ignore[assignment]
        session.connection().execute(table.insert(), list(rows))


def insert_outbox_updates(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many field writes in one executemany; the caller has superseded older open ones."""
    if rows:
        table: Table = OutboxEntry.__table__  # type: ignore[assignment]
        session.connection().execute(table.insert(), list(rows))


def outbox_update_row(
    *,
    sobject: str,
    record_id: str,
    field: str,
    logical_field: str | None,
    value: Any,
    base: Any,
    reason: str,
    priority: int,
    run_id: str | None,
    now: datetime,
) -> dict[str, Any]:
    """One pending field write as a plain row, for :func:`insert_outbox_updates`."""
    return {
        "sobject": sobject,
        "operation": "update",
        "record_id": record_id,
        "field": field,
        "logical_field": logical_field,
        "value": {"v": json_safe(value), "base": json_safe(base)},
        "payload": {},
        "idempotency_key": None,
        "reason": reason,
        "priority": priority,
        "state": PENDING,
        "attempts": 0,
        "run_id": run_id,
        "created_at": now,
        "updated_at": now,
    }


def lead_history(session: Session, lead_id: str) -> list[LedgerEntry]:
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.lead_id == lead_id)
            .order_by(LedgerEntry.at, LedgerEntry.id)
        )
    )


# --- lead state -------------------------------------------------------------------------------


def lead_states(session: Session, lead_ids: Iterable[str]) -> dict[str, LeadState]:
    out: dict[str, LeadState] = {}
    for chunk in chunked(list(lead_ids)):
        for row in session.scalars(select(LeadState).where(LeadState.lead_id.in_(chunk))):
            out[row.lead_id] = row
    return out


def sla_due_before(session: Session, moment: datetime) -> list[str]:
    """Leads whose open SLA falls due by ``moment`` (reads the (sla_state, sla_due) index)."""
    return list(
        session.scalars(
            select(LeadState.lead_id).where(
                LeadState.sla_state == "open", LeadState.sla_due <= moment
            )
        )
    )


def stale_in_stages(session: Session, stages: Sequence[str], touched_before: datetime) -> list[str]:
    """Leads in ``stages`` whose owner has not touched them since ``touched_before``."""
    return list(
        session.scalars(
            select(LeadState.lead_id).where(
                LeadState.stage.in_(stages), LeadState.last_owner_touch_at < touched_before
            )
        )
    )


# --- runs -------------------------------------------------------------------------------------


def start_run(session: Session, *, now: datetime, dry_run: bool) -> SyncRun:
    run = SyncRun(id=str(uuid.uuid4()), started_at=now, status="running", dry_run=dry_run)
    session.add(run)
    return run


def finish_run(
    run: SyncRun,
    *,
    now: datetime,
    status: str,
    counts: Mapping[str, Any],
    api_calls: int,
    api_budget_left: int | None,
    policy_version: str | None = None,
    error: str | None = None,
) -> None:
    run.ended_at = now
    run.status = status
    run.counts = json_safe(dict(counts))
    run.api_calls = api_calls
    run.api_budget_left = api_budget_left
    run.policy_version = policy_version
    run.error = error


def add_run_event(
    session: Session,
    *,
    run_id: str,
    at: datetime,
    level: str,
    kind: str,
    message: str,
    record_id: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    session.add(
        RunEvent(
            run_id=run_id,
            at=at,
            level=level,
            kind=kind,
            record_id=record_id,
            message=message,
            details=json_safe(dict(details or {})),
        )
    )


def recent_runs(session: Session, limit: int = 20) -> list[SyncRun]:
    return list(session.scalars(select(SyncRun).order_by(SyncRun.started_at.desc()).limit(limit)))


def run_events(session: Session, run_id: str | None = None, limit: int = 200) -> list[RunEvent]:
    stmt = select(RunEvent).order_by(RunEvent.at.desc(), RunEvent.id.desc()).limit(limit)
    if run_id is not None:
        stmt = stmt.where(RunEvent.run_id == run_id)
    return list(session.scalars(stmt))


def api_calls_since(session: Session, since: datetime) -> int:
    """syncd's own API calls in runs started since ``since`` (the rolling 24 h budget)."""
    total = session.scalar(
        select(func.coalesce(func.sum(SyncRun.api_calls), 0)).where(SyncRun.started_at >= since)
    )
    return int(total or 0)


# --- routing state ----------------------------------------------------------------------------


def load_routing_state(session: Session, key: str = "default") -> dict[str, Any]:
    row = session.get(RoutingStateRow, key)
    return dict(row.state) if row is not None else {}


def save_routing_state(
    session: Session, state: Mapping[str, Any], now: datetime, key: str = "default"
) -> None:
    row = session.get(RoutingStateRow, key)
    if row is None:
        session.add(RoutingStateRow(key=key, state=json_safe(dict(state)), updated_at=now))
    else:
        row.state = json_safe(dict(state))
        row.updated_at = now


def iter_org_rows(session: Session, sobject: str, *, batch: int = 2000) -> Iterator[Any]:
    """Every mirror row of an object, streamed in primary-key order."""
    model = ORG_MODELS[sobject]
    stmt = select(model)
    if model is Activity:
        stmt = stmt.where(Activity.kind == sobject)
    stmt = stmt.order_by(model.id).execution_options(yield_per=batch)
    yield from session.scalars(stmt)


def get_meta(session: Session, key: str) -> dict[str, Any]:
    row = session.get(Meta, key)
    return dict(row.value) if row is not None else {}


def set_meta(session: Session, key: str, value: Mapping[str, Any], now: datetime) -> None:
    row = session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=json_safe(dict(value)), updated_at=now))
    else:
        row.value = json_safe(dict(value))
        row.updated_at = now
