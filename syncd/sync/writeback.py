"""Send the outbox to the org: batched, prioritised, crash-safe, never twice.

Every batch is marked ``sending`` and committed *before* the call, and recorded after it. A
crash in between leaves the batch in doubt; the next run resolves it first: updates are sent
again (they are idempotent: same values), creates are looked up by their idempotency key
(``Syncd_Key__c`` on Task) and only sent again when the org does not have them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from syncd.mirror import store
from syncd.mirror.models import Lead, LeadState, OutboxEntry
from syncd.salesforce.client import SaveResult
from syncd.salesforce.errors import BudgetExhausted, RecordOutcome
from syncd.salesforce.soql import in_list

log = structlog.get_logger("syncd.writeback")

COLLECTION_SIZE = 200  # Salesforce's limit per sObject Collections call
TASK_KEY_FIELD = "Syncd_Key__c"
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=1)


class OrgWriter(Protocol):
    def update_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, retry_locked: bool = True
    ) -> list[SaveResult]: ...

    def create_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, retry_locked: bool = True
    ) -> list[SaveResult]: ...

    def bulk_update(
        self, sobject: str, records: Sequence[Mapping[str, Any]]
    ) -> list[SaveResult]: ...

    def query(self, soql: str, *, include_deleted: bool = False) -> list[dict[str, Any]]: ...


@dataclass
class WritebackResult:
    records_written: int = 0
    fields_written: int = 0
    tasks_created: int = 0
    failed: int = 0
    retried: int = 0
    skipped_converted: int = 0
    collection_calls: int = 0
    bulk_jobs: int = 0
    recovered: int = 0
    stopped_for_budget: bool = False
    planned: list[dict[str, Any]] = field(default_factory=list)


def _retry_delay(attempts: int) -> timedelta:
    return RETRY_BASE * int(2 ** max(0, attempts - 1))


def _settle(
    session: Session,
    entries: Sequence[OutboxEntry],
    result: SaveResult,
    now: datetime,
    outcome: WritebackResult,
    run_id: str,
) -> None:
    """Record Salesforce's answer for one record on every outbox entry it carried."""
    if result.outcome is RecordOutcome.SUCCESS:
        for entry in entries:
            store.mark_done(
                entry, now, created_record_id=result.id if entry.operation == "create" else None
            )
        return
    code = str((result.errors[0] if result.errors else {}).get("statusCode", "UNKNOWN"))
    message = result.message or code
    for entry in entries:
        if result.outcome is RecordOutcome.RETRY and entry.attempts < MAX_ATTEMPTS:
            store.mark_retry(
                entry, now, error_code=code, message=message, delay=_retry_delay(entry.attempts)
            )
            outcome.retried += 1
        else:
            store.mark_failed(entry, now, error_code=code, message=message)
            outcome.failed += 1
    store.add_run_event(
        session,
        run_id=run_id,
        at=now,
        level="warning",
        kind="record_error",
        record_id=entries[0].record_id or entries[0].idempotency_key,
        message=f"{entries[0].sobject} {entries[0].operation}: {message}",
        details={
            "error_code": code,
            "fields": [e.field for e in entries if e.field],
            "retry": result.outcome is RecordOutcome.RETRY,
        },
    )


def _note_written(session: Session, entries: Iterable[OutboxEntry], now: datetime) -> None:
    """Remember what syncd wrote, per lead and field: how a later human edit is recognised."""
    by_lead: dict[str, list[OutboxEntry]] = defaultdict(list)
    for entry in entries:
        if entry.state == store.DONE and entry.operation == "update" and entry.record_id:
            by_lead[entry.record_id].append(entry)
    states = store.lead_states(session, by_lead)
    for lead_id, done in by_lead.items():
        state = states.get(lead_id)
        if state is None:
            continue
        written = dict(state.written or {})
        for entry in done:
            key = entry.logical_field or entry.field or ""
            written[key] = {"v": entry.value.get("v"), "at": now.isoformat()}
        state.written = written


def recover_in_doubt(
    sessions: sessionmaker[Session], client: OrgWriter, now: datetime, run_id: str
) -> int:
    """Resolve batches a previous run left in ``sending`` (it stopped mid-call)."""
    with sessions() as session:
        doubtful = store.in_doubt_entries(session)
        if not doubtful:
            return 0
        creates = [e for e in doubtful if e.operation == "create" and e.idempotency_key]
        found: dict[str, str] = {}
        if creates:
            keys = [str(e.idempotency_key) for e in creates]
            for clause in in_list(TASK_KEY_FIELD, keys):
                soql = f"SELECT Id, {TASK_KEY_FIELD} FROM Task WHERE {clause}"
                for row in client.query(soql):
                    found[str(row[TASK_KEY_FIELD])] = str(row["Id"])
        for entry in doubtful:
            if entry.operation == "create" and entry.idempotency_key in found:
                # The org has it: the earlier call succeeded before we could record it.
                store.mark_done(entry, now, created_record_id=found[str(entry.idempotency_key)])
            else:
                entry.state = store.PENDING
                entry.updated_at = now
        superseded = _supersede_older_duplicates(session, now)
        store.add_run_event(
            session,
            run_id=run_id,
            at=now,
            level="warning",
            kind="outbox_recovered",
            message=f"resolved {len(doubtful)} outbox entries left in doubt by a stopped run "
            f"({len(found)} creates found in the org, {superseded} superseded)",
        )
        session.commit()
        return len(doubtful)


def _supersede_older_duplicates(session: Session, now: datetime) -> int:
    """After recovery, keep only the newest open write per (record, field)."""
    newest: dict[tuple[str, str], OutboxEntry] = {}
    count = 0
    rows = session.scalars(
        select(OutboxEntry)
        .where(
            OutboxEntry.state.in_((store.PENDING, store.RETRY)), OutboxEntry.operation == "update"
        )
        .order_by(OutboxEntry.id)
    )
    for entry in rows:
        key = (str(entry.record_id), str(entry.field))
        older = newest.get(key)
        if older is not None:
            older.state = store.SUPERSEDED
            older.updated_at = now
            count += 1
        newest[key] = entry
    return count


def _group_updates(
    entries: Sequence[OutboxEntry],
) -> list[tuple[str, str, list[OutboxEntry]]]:
    """(sobject, record id, entries) per record, in the order of each record's best priority."""
    grouped: dict[tuple[str, str], list[OutboxEntry]] = {}
    for entry in entries:
        if entry.operation == "update" and entry.record_id:
            grouped.setdefault((entry.sobject, entry.record_id), []).append(entry)
    ordered = sorted(
        grouped.items(), key=lambda kv: (min(e.priority for e in kv[1]), min(e.id for e in kv[1]))
    )
    return [(sobject, record_id, group) for (sobject, record_id), group in ordered]


def _payload(record_id: str, entries: Sequence[OutboxEntry]) -> dict[str, Any]:
    payload: dict[str, Any] = {"Id": record_id}
    for entry in sorted(entries, key=lambda e: e.id):
        payload[str(entry.field)] = entry.value.get("v")
    return payload


def _converted(session: Session, lead_ids: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for chunk in store.chunked(list(lead_ids)):
        out.update(
            session.scalars(select(Lead.id).where(Lead.id.in_(chunk), Lead.is_converted.is_(True)))
        )
    return out


def flush_outbox(
    sessions: sessionmaker[Session],
    client: OrgWriter,
    *,
    now: Callable[[], datetime],
    run_id: str,
    bulk_threshold: int,
    dry_run: bool = False,
) -> WritebackResult:
    """Send every due outbox entry, owner/status/SLA writes before score-only refreshes."""
    outcome = WritebackResult()
    if not dry_run:
        outcome.recovered = recover_in_doubt(sessions, client, now(), run_id)
    with sessions() as session:
        due = store.due_entries(session, now())
        updates = _group_updates(due)
        creates = [e for e in due if e.operation == "create"]
        converted = _converted(session, [rid for so, rid, _ in updates if so == "Lead"])
        if dry_run:
            outcome.planned = [
                {
                    "sobject": so,
                    "id": rid,
                    "fields": {str(e.field): e.value.get("v") for e in g},
                    "reasons": sorted({e.reason or "" for e in g}),
                }
                for so, rid, g in updates
            ] + [
                {"sobject": e.sobject, "create": e.payload, "reasons": [e.reason]} for e in creates
            ]
            return outcome
        # A converted lead is read-only in Salesforce: never send it, never retry it.
        for so, rid, group in updates:
            if so == "Lead" and rid in converted:
                for entry in group:
                    store.mark_failed(
                        entry,
                        now(),
                        error_code="CANNOT_UPDATE_CONVERTED_LEAD",
                        message="lead was converted; syncd does not write to it",
                    )
                outcome.skipped_converted += 1
        session.commit()
        updates = [
            (so, rid, g) for so, rid, g in updates if not (so == "Lead" and rid in converted)
        ]

        try:
            _send_updates(session, client, updates, outcome, now, run_id, bulk_threshold)
            _send_creates(session, client, creates, outcome, now, run_id)
        except BudgetExhausted:
            outcome.stopped_for_budget = True
            _release_sending(session, now())
            session.commit()
            raise
    return outcome


def _release_sending(session: Session, now: datetime) -> None:
    """A batch refused before it was sent (budget guard) is not in doubt: send it later."""
    for entry in session.scalars(select(OutboxEntry).where(OutboxEntry.state == store.SENDING)):
        if entry.attempts > 0:
            entry.attempts -= 1
        entry.state = store.PENDING
        entry.updated_at = now


def _send_updates(
    session: Session,
    client: OrgWriter,
    updates: list[tuple[str, str, list[OutboxEntry]]],
    outcome: WritebackResult,
    now: Callable[[], datetime],
    run_id: str,
    bulk_threshold: int,
) -> None:
    by_object: dict[str, list[tuple[str, list[OutboxEntry]]]] = defaultdict(list)
    for sobject, record_id, group in updates:
        by_object[sobject].append((record_id, group))
    for sobject, records in by_object.items():
        if len(records) > bulk_threshold:
            batches = [records]
        else:
            batches = [
                records[i : i + COLLECTION_SIZE] for i in range(0, len(records), COLLECTION_SIZE)
            ]
        for batch in batches:
            entries = [e for _, group in batch for e in group]
            store.mark_sending(session, entries, now())
            session.commit()
            payloads = [_payload(rid, group) for rid, group in batch]
            if len(batch) > bulk_threshold:
                results = client.bulk_update(sobject, payloads)
                outcome.bulk_jobs += 1
            else:
                results = client.update_records(sobject, payloads)
                outcome.collection_calls += 1
            stamp = now()
            for (_rid, group), result in zip(batch, results, strict=True):
                _settle(session, group, result, stamp, outcome, run_id)
                if result.outcome is RecordOutcome.SUCCESS:
                    outcome.records_written += 1
                    outcome.fields_written += len(group)
            _note_written(session, entries, stamp)
            session.commit()


def _send_creates(
    session: Session,
    client: OrgWriter,
    creates: list[OutboxEntry],
    outcome: WritebackResult,
    now: Callable[[], datetime],
    run_id: str,
) -> None:
    by_object: dict[str, list[OutboxEntry]] = defaultdict(list)
    for entry in creates:
        by_object[entry.sobject].append(entry)
    for sobject, entries in by_object.items():
        for start in range(0, len(entries), COLLECTION_SIZE):
            batch = entries[start : start + COLLECTION_SIZE]
            store.mark_sending(session, batch, now())
            session.commit()
            payloads = []
            for entry in batch:
                payload = dict(entry.payload)
                if sobject == "Task" and entry.idempotency_key:
                    payload[TASK_KEY_FIELD] = entry.idempotency_key
                payloads.append(payload)
            results = client.create_records(sobject, payloads)
            outcome.collection_calls += 1
            stamp = now()
            for entry, result in zip(batch, results, strict=True):
                _settle(session, [entry], result, stamp, outcome, run_id)
                if result.outcome is RecordOutcome.SUCCESS:
                    outcome.tasks_created += 1
            session.commit()


def pending_lead_ids(session: Session) -> set[str]:
    return set(
        session.scalars(
            select(OutboxEntry.record_id).where(
                OutboxEntry.state.in_(store.OPEN_STATES), OutboxEntry.record_id.is_not(None)
            )
        )
    )


__all__ = ["LeadState", "WritebackResult", "flush_outbox", "pending_lead_ids", "recover_in_doubt"]
