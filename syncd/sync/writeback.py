"""Send the outbox to the org: batched, prioritised, crash-safe, never twice.

Every batch is marked SENDING before the call and settled after it. A crash in between
leaves it in doubt; the next run resolves it first: creates are looked up by their
idempotency key (``Syncd_Key__c`` on Task) and sent again only when the org lacks them;
updates go back to PENDING and, like every pending update, are judged against the value
just pulled before anything is sent (a person's edit in the meantime wins).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog

from syncd.config import TASK_KEY_FIELD
from syncd.config.fields import ObjectMapping
from syncd.domain.conflicts import Verdict, judge_pending_write
from syncd.domain.plan import COLLECTION_SIZE
from syncd.mirror import Mirror, OutboxItem, OutboxState, Settled
from syncd.mirror import ledger as ledger_rows
from syncd.ports import OrgWriter, Progress, SaveAnswer
from syncd.salesforce.errors import BudgetExhausted, RecordOutcome
from syncd.salesforce.formats import stored_form
from syncd.salesforce.soql import in_list

log = structlog.get_logger("syncd.writeback")

__all__ = ["COLLECTION_SIZE", "WritebackResult", "flush_outbox", "recover_in_doubt"]

MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=1)


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
    already_there: int = 0
    conflicts: int = 0
    stopped_for_budget: bool = False
    interrupted: bool = False  # a stop came between batches; the rest waits for the next run
    planned: list[dict[str, Any]] = field(default_factory=list)


class _Stop(Exception):
    """Raised between batches when a stop is asked for; never escapes flush_outbox."""


def _retry_delay(attempts: int) -> timedelta:
    return RETRY_BASE * int(2 ** max(0, attempts - 1))


def recover_in_doubt(mirror: Mirror, client: OrgWriter, now: datetime, run_id: str) -> int:
    """Resolve batches a previous run left SENDING (it stopped mid-call)."""
    doubtful = mirror.in_doubt()
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
    landed = [
        Settled(e.id, OutboxState.DONE, created_record_id=found[str(e.idempotency_key)])
        for e in creates
        if e.idempotency_key in found
    ]
    with mirror.unit():
        mirror.settle(landed, now)
        back = [e.id for e in doubtful if e.idempotency_key not in found]
        mirror.move(back, OutboxState.PENDING, now)
        superseded = mirror.supersede_all_but_newest(
            [(str(e.record_id), str(e.field)) for e in doubtful if e.operation == "update"], now
        )
        mirror.add_event(
            run_id=run_id,
            at=now,
            level="warning",
            kind="outbox_recovered",
            message=f"resolved {len(doubtful)} outbox entries left in doubt by a stopped run "
            f"({len(found)} creates found in the org, {superseded} superseded; updates are "
            "checked against the org's current values before being sent again)",
        )
    return len(doubtful)


def _judge(
    mirror: Mirror,
    mapping: ObjectMapping,
    updates: list[OutboxItem],
    now: datetime,
    run_id: str,
    policy_version: str | None,
    outcome: WritebackResult,
) -> list[OutboxItem]:
    """Updates still worth sending, after comparing each with the org's value just pulled."""
    current = mirror.lead_attributes({str(e.record_id) for e in updates if e.sobject == "Lead"})
    send: list[OutboxItem] = []
    already: list[int] = []
    conflicts: list[tuple[OutboxItem, Any]] = []
    for entry in updates:
        attrs = current.get(str(entry.record_id))
        attr = mapping.attribute_of(str(entry.field)) if entry.field else None
        if attrs is None or attr is None:
            send.append(entry)
            continue
        value = attrs.get(attr)
        verdict = judge_pending_write(
            ours=stored_form(entry.value),
            base=stored_form(entry.base),
            has_base=entry.has_base,
            current=stored_form(value),
            daemon_owned=mapping.is_daemon_owned(entry.output or ""),
        )
        if verdict is Verdict.SEND:
            send.append(entry)
        elif verdict is Verdict.ALREADY_THERE:
            already.append(entry.id)
        else:
            conflicts.append((entry, value))
    with mirror.unit():
        mirror.move(already, OutboxState.DONE, now)
        mirror.move(
            [e.id for e, _ in conflicts],
            OutboxState.SUPERSEDED,
            now,
            last_error="a person changed this field after syncd read it; the person wins",
        )
        rows = []
        for entry, kept in conflicts:
            who = current.get(str(entry.record_id), {}).get("last_modified_by_id") or "someone"
            rows.append(
                ledger_rows.row(
                    lead_id=str(entry.record_id),
                    kind="conflict",
                    at=now,
                    before={"field": entry.field, "org_value_read": entry.base},
                    after={"field": entry.field, "kept": kept, "not_written": entry.value},
                    reasons=[
                        f"{entry.field} was changed in Salesforce by {who} after syncd's "
                        "read; their value is kept (the field is not daemon-owned)"
                    ],
                    policy_version=policy_version,
                    run_id=run_id,
                )
            )
        mirror.add_ledger(rows)
    outcome.already_there += len(already)
    outcome.conflicts += len(conflicts)
    return send


def _by_record(updates: Sequence[OutboxItem]) -> list[tuple[str, str, list[OutboxItem]]]:
    """(sobject, record id, entries) per record, in the order of each record's best priority."""
    grouped: dict[tuple[str, str], list[OutboxItem]] = {}
    for entry in updates:
        if entry.record_id:
            grouped.setdefault((entry.sobject, entry.record_id), []).append(entry)
    ordered = sorted(
        grouped.items(), key=lambda kv: (min(e.priority for e in kv[1]), min(e.id for e in kv[1]))
    )
    return [(sobject, record_id, group) for (sobject, record_id), group in ordered]


def _payload(record_id: str, entries: Sequence[OutboxItem]) -> dict[str, Any]:
    payload: dict[str, Any] = {"Id": record_id}
    for entry in sorted(entries, key=lambda e: e.id):
        payload[str(entry.field)] = entry.value
    return payload


def _settled(entry: OutboxItem, answer: SaveAnswer, now: datetime) -> Settled:
    if answer.outcome is RecordOutcome.SUCCESS:
        created = answer.id if entry.operation == "create" else None
        return Settled(entry.id, OutboxState.DONE, created_record_id=created)
    code = str((answer.errors[0] if answer.errors else {}).get("statusCode", "UNKNOWN"))
    message = answer.message or code
    if answer.outcome is RecordOutcome.RETRY and entry.attempts < MAX_ATTEMPTS:
        return Settled(
            entry.id, OutboxState.RETRY, code, message, now + _retry_delay(entry.attempts)
        )
    return Settled(entry.id, OutboxState.FAILED, code, message)


def flush_outbox(
    mirror: Mirror,
    client: OrgWriter,
    mapping: ObjectMapping,
    *,
    now: Callable[[], datetime],
    run_id: str,
    bulk_threshold: int,
    policy_version: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    stop: Callable[[], bool] = lambda: False,
    only: Callable[[OutboxItem], bool] | None = None,
    outcome: WritebackResult | None = None,
) -> WritebackResult:
    """Send every due outbox entry, owner/status/SLA writes before score-only refreshes.

    ``only`` narrows the due entries (``syncd apply`` sends its plan's entries, nothing else).
    ``outcome`` is filled as batches settle, so a caller still has the counts of what was
    written when the budget runs out mid-way (BudgetExhausted propagates).
    """
    outcome = WritebackResult() if outcome is None else outcome
    if not dry_run:
        outcome.recovered = recover_in_doubt(mirror, client, now(), run_id)
    due = [e for e in mirror.due_writes(now()) if only is None or only(e)]
    updates = [e for e in due if e.operation == "update"]
    creates = [e for e in due if e.operation == "create"]
    if dry_run:
        outcome.planned = [
            {
                "sobject": so,
                "id": rid,
                "fields": {str(e.field): e.value for e in group},
                "reasons": sorted({e.reason or "" for e in group}),
            }
            for so, rid, group in _by_record(updates)
        ] + [{"sobject": e.sobject, "create": e.payload, "reasons": [e.reason]} for e in creates]
        return outcome
    # A converted lead is read-only in Salesforce: never send it, never retry it.
    converted = mirror.converted_lead_ids(e.record_id for e in updates if e.record_id)
    if converted:
        skipped = [e for e in updates if e.record_id in converted]
        mirror.move(
            [e.id for e in skipped],
            OutboxState.FAILED,
            now(),
            error_code="CANNOT_UPDATE_CONVERTED_LEAD",
            last_error="lead was converted; syncd does not write to it",
        )
        outcome.skipped_converted = len({e.record_id for e in skipped})
        updates = [e for e in updates if e.record_id not in converted]
    updates = _judge(mirror, mapping, updates, now(), run_id, policy_version, outcome)
    total = len({e.record_id for e in updates}) + len(creates)
    if progress is not None:
        progress.start("write back", total)
    try:
        _send_updates(
            mirror,
            client,
            _by_record(updates),
            outcome,
            now,
            run_id,
            bulk_threshold,
            progress,
            stop,
        )
        _send_creates(mirror, client, creates, outcome, now, run_id, progress, stop)
    except _Stop:
        # Every batch sent so far is settled; the rest stays pending for the next run.
        outcome.interrupted = True
    except BudgetExhausted:
        outcome.stopped_for_budget = True
        raise
    finally:
        if progress is not None:
            progress.finish("write back")
    return outcome


def _record_errors(
    mirror: Mirror, entries: Sequence[tuple[OutboxItem, Settled]], run_id: str, now: datetime
) -> None:
    rows = []
    for entry, settled in entries:
        if settled.state is OutboxState.DONE:
            continue
        rows.append(
            {
                "run_id": run_id,
                "at": now,
                "level": "warning",
                "kind": "record_error",
                "record_id": entry.record_id or entry.idempotency_key,
                "message": f"{entry.sobject} {entry.operation}: {settled.message}",
                "details": {
                    "error_code": settled.error_code,
                    "fields": [entry.field] if entry.field else [],
                    "retry": settled.state is OutboxState.RETRY,
                },
            }
        )
    mirror.add_events(rows)


def _send_updates(
    mirror: Mirror,
    client: OrgWriter,
    updates: list[tuple[str, str, list[OutboxItem]]],
    outcome: WritebackResult,
    now: Callable[[], datetime],
    run_id: str,
    bulk_threshold: int,
    progress: Progress | None,
    stop: Callable[[], bool],
) -> None:
    by_object: dict[str, list[tuple[str, list[OutboxItem]]]] = defaultdict(list)
    for sobject, record_id, group in updates:
        by_object[sobject].append((record_id, group))
    for sobject, records in by_object.items():
        use_bulk = len(records) > bulk_threshold
        size = len(records) if use_bulk else COLLECTION_SIZE
        for start in range(0, len(records), size):
            if stop():
                raise _Stop
            batch = records[start : start + size]
            ids = [e.id for _, group in batch for e in group]
            mirror.mark_sending(ids, now())
            payloads = [_payload(rid, group) for rid, group in batch]
            try:
                if use_bulk:
                    answers: Sequence[SaveAnswer] = client.bulk_update(sobject, payloads)
                    outcome.bulk_jobs += 1
                else:
                    answers = client.update_records(sobject, payloads)
                    outcome.collection_calls += 1
            except BudgetExhausted:
                # Refused before it was sent: not in doubt, just not yet.
                mirror.release(ids, now())
                raise
            stamp = now()
            settled: list[tuple[OutboxItem, Settled]] = []
            written: dict[str, dict[str, Any]] = {}
            for (rid, group), answer in zip(batch, answers, strict=True):
                for entry in group:
                    settled.append((entry, _settled(entry, answer, stamp)))
                if answer.outcome is RecordOutcome.SUCCESS:
                    outcome.records_written += 1
                    outcome.fields_written += len(group)
                    written[rid] = {str(e.output or e.field): e.value for e in group}
                elif answer.outcome is RecordOutcome.RETRY:
                    outcome.retried += len(group)
                else:
                    outcome.failed += len(group)
            with mirror.unit():
                mirror.settle([s for _, s in settled], stamp)
                _record_errors(mirror, settled, run_id, stamp)
                mirror.note_written(written, stamp)
            if progress is not None:
                progress.advance("write back", outcome.records_written + outcome.failed)


def _send_creates(
    mirror: Mirror,
    client: OrgWriter,
    creates: list[OutboxItem],
    outcome: WritebackResult,
    now: Callable[[], datetime],
    run_id: str,
    progress: Progress | None,
    stop: Callable[[], bool],
) -> None:
    by_object: dict[str, list[OutboxItem]] = defaultdict(list)
    for entry in creates:
        by_object[entry.sobject].append(entry)
    for sobject, entries in by_object.items():
        for start in range(0, len(entries), COLLECTION_SIZE):
            if stop():
                raise _Stop
            batch = entries[start : start + COLLECTION_SIZE]
            ids = [e.id for e in batch]
            mirror.mark_sending(ids, now())
            try:
                answers = client.create_records(sobject, [dict(e.payload) for e in batch])
            except BudgetExhausted:
                mirror.release(ids, now())
                raise
            outcome.collection_calls += 1
            stamp = now()
            settled = [(e, _settled(e, a, stamp)) for e, a in zip(batch, answers, strict=True)]
            for _, s in settled:
                if s.state is OutboxState.DONE:
                    outcome.tasks_created += 1
                elif s.state is OutboxState.RETRY:
                    outcome.retried += 1
                else:
                    outcome.failed += 1
            with mirror.unit():
                mirror.settle([s for _, s in settled], stamp)
                _record_errors(mirror, settled, run_id, stamp)
            if progress is not None:
                progress.advance("write back", outcome.records_written + outcome.tasks_created)
