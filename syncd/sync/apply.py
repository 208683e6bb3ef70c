"""`syncd apply PLAN`: write exactly a saved plan, through the ordinary outbox and writeback.

The plan's changes are queued in the outbox like a cycle's (same rows, same supersede
rule), then `flush_outbox` sends those entries and nothing else, judging each against the
mirror as it always does. Before that, every lead the plan touches is looked up in the org:
one whose SystemModstamp moved since the plan was made (a person or another process edited
it) is refused as a whole and reported; nothing of it is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from syncd.config import Config, load_config
from syncd.domain.golive import WritesRefused
from syncd.domain.outputs import URGENT_OUTPUTS, Output
from syncd.domain.plan import Plan
from syncd.mirror import EvaluationBatch, Mirror, OutboxItem
from syncd.mirror import outbox as outbox_rows
from syncd.ports import OrgReader
from syncd.salesforce.client import SalesforceClient
from syncd.salesforce.formats import parse_datetime
from syncd.salesforce.soql import in_list
from syncd.settings import Settings
from syncd.sync.golive import write_gate
from syncd.sync.runtime import connect, open_mirror
from syncd.sync.writeback import WritebackResult, flush_outbox

log = structlog.get_logger("syncd.apply")

__all__ = ["ApplyResult", "Refusal", "apply_plan", "moved_since"]


@dataclass(frozen=True, slots=True)
class Refusal:
    lead_id: str
    lead_name: str
    why: str


@dataclass
class ApplyResult:
    run_id: str
    status: str = "running"
    refused: list[Refusal] = field(default_factory=list)
    queued_fields: int = 0
    queued_tasks: int = 0
    writeback: WritebackResult = field(default_factory=WritebackResult)
    api_calls: int = 0
    error: str | None = None


def _utcnow() -> datetime:
    return datetime.now(UTC)


def org_modstamps(client: OrgReader, ids: Iterable[str]) -> dict[str, datetime | None]:
    """Each lead's SystemModstamp in the org now (deleted leads are absent)."""
    found: dict[str, datetime | None] = {}
    for clause in in_list("Id", sorted(set(ids))):
        for row in client.query(f"SELECT Id, SystemModstamp FROM Lead WHERE {clause}"):
            found[str(row["Id"])] = parse_datetime(row.get("SystemModstamp"))
    return found


def moved_since(
    snapshot: dict[str, str | None], current: dict[str, datetime | None]
) -> dict[str, str]:
    """Leads whose org record changed after the plan's snapshot, with why."""
    moved: dict[str, str] = {}
    for lead_id, then in snapshot.items():
        if lead_id not in current:
            moved[lead_id] = "the lead is no longer in the org (deleted or merged)"
            continue
        before = datetime.fromisoformat(then) if then else None
        now = current[lead_id]
        if before is None or now is None or now != before:
            moved[lead_id] = (
                f"the lead changed in Salesforce since the plan (SystemModstamp {then} -> "
                f"{now.isoformat() if now else None}); plan again to include it"
            )
    return moved


def apply_plan(
    settings: Settings,
    plan: Plan,
    *,
    config: Config | None = None,
    client: SalesforceClient | None = None,
    now: Callable[[], datetime] = _utcnow,
) -> ApplyResult:
    """Write ``plan`` (minus refused leads); raises WritesRefused when the gate says no."""
    config = config or load_config(settings.mappings_dir)
    with open_mirror(settings) as mirror:
        own_client = client is None
        if client is None:
            client, _ = connect(settings, mirror)
        try:
            gate = write_gate(
                client, writeback_enabled=settings.writeback_enabled, shadow=settings.shadow
            )
            if not gate.writes:
                raise WritesRefused(gate)
            return _apply(mirror, client, config, plan, settings.bulk_write_threshold, now)
        finally:
            if own_client:
                client.close()


def _apply(
    mirror: Mirror,
    client: SalesforceClient,
    config: Config,
    plan: Plan,
    bulk_threshold: int,
    now: Callable[[], datetime],
) -> ApplyResult:
    calls_before = client.calls_made
    started = now()
    result = ApplyResult(run_id=mirror.start_run(now=started, dry_run=False))
    try:
        moved = moved_since(dict(plan.snapshot), org_modstamps(client, plan.snapshot))
        names = {c.lead_id: c.lead_name for c in plan.changes} | {
            t.lead_id: t.lead_name for t in plan.tasks
        }
        result.refused = [Refusal(lid, names.get(lid, lid), why) for lid, why in moved.items()]
        batch = EvaluationBatch()
        for change in plan.changes:
            if change.lead_id in moved:
                continue
            batch.outbox_updates.append(
                outbox_rows.update_row(
                    sobject="Lead",
                    record_id=change.lead_id,
                    field=change.field,
                    output=change.output,
                    value=change.new,
                    base=change.old,
                    reason=change.reason[:2000],
                    priority=0 if Output(change.output) in URGENT_OUTPUTS else 1,
                    run_id=result.run_id,
                    now=started,
                )
            )
        for task in plan.tasks:
            if task.lead_id in moved:
                continue
            batch.tasks.append(
                {
                    "sobject": "Task",
                    "payload": dict(task.payload),
                    "idempotency_key": task.key,
                    "reason": task.subject,
                    "priority": 0,
                    "run_id": result.run_id,
                    "record_id": task.lead_id,
                }
            )
        result.queued_tasks = mirror.record_evaluations(batch, started)
        result.queued_fields = len(batch.outbox_updates)
        keys = {(u["record_id"], u["field"]) for u in batch.outbox_updates}
        task_keys = {t["idempotency_key"] for t in batch.tasks}

        def in_plan(entry: OutboxItem) -> bool:
            if entry.operation == "create":
                return entry.idempotency_key in task_keys
            return (entry.record_id, entry.field) in keys

        result.writeback = flush_outbox(
            mirror,
            client,
            config.mappings.lead,
            now=now,
            run_id=result.run_id,
            bulk_threshold=bulk_threshold,
            policy_version=plan.policy_version,
            only=in_plan,
        )
        result.status = "ok"
    finally:
        result.api_calls = client.calls_made - calls_before
        ended = now()
        with mirror.unit():
            mirror.add_events(
                [
                    {
                        "run_id": result.run_id,
                        "at": ended,
                        "level": "warning",
                        "kind": "plan_refused",
                        "record_id": r.lead_id,
                        "message": f"not applied to {r.lead_name}: {r.why}",
                    }
                    for r in result.refused
                ]
            )
            mirror.finish_run(
                result.run_id,
                now=ended,
                status=result.status if result.status != "running" else "failed",
                counts={
                    "applied_plan": plan.run_id,
                    "refused": len(result.refused),
                    "records_written": result.writeback.records_written,
                    "fields_written": result.writeback.fields_written,
                    "tasks_created": result.writeback.tasks_created,
                    "write_failures": result.writeback.failed,
                },
                api_calls=result.api_calls,
                api_budget_left=None,
                policy_version=plan.policy_version,
                error=result.error,
            )
        log.info("plan applied", refused=len(result.refused), status=result.status)
    return result
