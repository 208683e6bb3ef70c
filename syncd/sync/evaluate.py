"""Evaluate leads: the mirror's domain values in, the engine's decisions out to the mirror.

Nothing here decides. For each batch of leads it reads the inputs from the mirror, asks the
pure engine, and hands back what to record: field writes for the outbox (keyed by `Output`,
the Salesforce field looked up once here from fields.yaml), Tasks to create once, ledger
entries and the lead's new state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from syncd.config import TASK_KEY_FIELD
from syncd.config.fields import ObjectMapping
from syncd.domain import engine
from syncd.domain.lifecycle import OPEN_STAGES
from syncd.domain.model import Decision, Lead, LeadState
from syncd.domain.outputs import URGENT_OUTPUTS, Output
from syncd.domain.policy import Policy
from syncd.domain.routing_state import RoutingState
from syncd.mirror import EvaluationBatch, Mirror, OrgContext
from syncd.mirror import ledger as ledger_rows
from syncd.mirror import outbox as outbox_rows
from syncd.mirror import state as state_rows
from syncd.salesforce.formats import same_stored, task_record

__all__ = ["BATCH", "EvaluationResult", "evaluate_leads", "sla_state"]

BATCH = 500


@dataclass
class EvaluationResult:
    evaluated: int = 0
    decisions_with_changes: int = 0
    fields_queued: int = 0
    tasks_queued: int = 0
    ledger_entries: int = 0
    retired: int = 0
    handoffs_by_owner: dict[str, int] = field(default_factory=dict)
    recycled_to: dict[str, int] = field(default_factory=dict)
    ledger_by_kind: dict[str, int] = field(default_factory=dict)
    planned: list[dict[str, Any]] = field(default_factory=list)


def sla_state(state: LeadState) -> str | None:
    """The SLA of the lead's latest handoff: open, met or breached (None without one)."""
    if state.handoff_count == 0 or state.sla_due is None:
        return None
    if state.first_touch_at is not None:
        return "met"
    if state.sla_breached_handoff >= state.handoff_count:
        return "breached"
    return "open" if state.stage in OPEN_STAGES else None


class _Batcher:
    def __init__(
        self,
        policy: Policy,
        mapping: ObjectMapping,
        context: OrgContext,
        *,
        run_id: str,
        now: datetime,
        plan: bool,
    ) -> None:
        self.policy = policy
        self.mapping = mapping
        self.context = context
        self.run_id = run_id
        self.now = now
        self.plan = plan
        self.engine_context = engine.EvaluationContext(context.duplicate_emails, context.calendar)
        routing = RoutingState.from_dict(dict(context.routing_state))
        self.routing = routing.with_open_leads(context.open_lead_counts)
        self.result = EvaluationResult()

    def retire(
        self, lead_id: str, survivor: str | None, stage: str | None, out: EvaluationBatch
    ) -> None:
        """A lead deleted or merged away in Salesforce: stop watching it, write nothing to it."""
        why = f"merged into {survivor}" if survivor else "deleted in Salesforce"
        out.retired.append((lead_id, f"the lead was {why}"))
        if stage is None or stage == state_rows.DELETED_STAGE:
            return
        self.result.retired += 1
        out.ledger.append(
            ledger_rows.row(
                lead_id=lead_id,
                kind="transition",
                at=self.now,
                before={"value": stage},
                after={"value": state_rows.DELETED_STAGE},
                reasons=[f"lead {why}; syncd stops tracking it"],
                policy_version=self.policy.version,
                run_id=self.run_id,
            )
        )

    def record(self, lead: Lead, decision: Decision, out: EvaluationBatch) -> None:
        reason = "; ".join(r for r in decision.reasons if r)[:2000]
        queued = 0
        for output, value in decision.field_changes.items():
            if output not in self.mapping.writeback:
                continue  # an optional output with no field to write it to
            sf_field = self.mapping.field_for(output)
            attr = self.mapping.attribute_of(sf_field)
            current = lead.fields.get(attr) if attr else None
            if same_stored(current, value):
                continue
            queued += 1
            if self.plan:
                self.result.planned.append(
                    {
                        "lead": lead.id,
                        "field": sf_field,
                        "output": output.value,
                        "from": current,
                        "to": value,
                        # In full: a plan is read by people, not stored in a text field.
                        "reason": "; ".join(r for r in decision.reasons if r),
                    }
                )
            out.outbox_updates.append(
                outbox_rows.update_row(
                    sobject="Lead",
                    record_id=lead.id,
                    field=sf_field,
                    output=output.value,
                    value=value,
                    base=current,
                    reason=reason,
                    priority=0 if output in URGENT_OUTPUTS else 1,
                    run_id=self.run_id,
                    now=self.now,
                )
            )
            if output is Output.OWNER and isinstance(value, str):
                owner = self.context.users.get(value)
                name = owner.name if owner is not None and owner.name else value
                tally = (
                    self.result.recycled_to
                    if owner is not None
                    and owner.is_queue
                    and value == self.policy.recycle.nurture_owner
                    else self.result.handoffs_by_owner
                )
                tally[name] = tally.get(name, 0) + 1
        for task in decision.tasks_to_create:
            key = task.idempotency_key[:80]
            payload = task_record(
                owner_id=task.owner_id,
                who_id=task.who_id,
                subject=task.subject,
                description=task.description,
                due=task.due,
                key_field=TASK_KEY_FIELD,
                key=key,
            )
            if self.plan:
                self.result.planned.append({"lead": lead.id, "create": "Task", **payload})
            out.tasks.append(
                {
                    "sobject": "Task",
                    "payload": payload,
                    "idempotency_key": key,
                    "reason": task.subject,
                    "priority": 0,
                    "run_id": self.run_id,
                    "record_id": lead.id,
                }
            )
        for decided in decision.ledger:
            out.ledger.append(
                ledger_rows.row(
                    lead_id=lead.id,
                    kind=decided.kind.value,
                    at=decided.at,
                    before={"value": decided.before},
                    after={"value": decided.after},
                    reasons=list(decided.reasons),
                    policy_version=decided.policy_version,
                    run_id=self.run_id,
                )
            )
            kinds = self.result.ledger_by_kind
            kinds[decided.kind.value] = kinds.get(decided.kind.value, 0) + 1
            self.result.ledger_entries += 1
        if queued:
            self.result.decisions_with_changes += 1
            self.result.fields_queued += queued
        recycle_count = int(decision.field_changes.get(Output.RECYCLE_COUNT, lead.recycle_count))  # type: ignore[call-overload]
        out.states.append(
            state_rows.state_row(
                lead_id=lead.id,
                decision=decision,
                recycle_count=recycle_count,
                sla_state=sla_state(decision.state),
                now=self.now,
            )
        )


def evaluate_leads(
    mirror: Mirror,
    policy: Policy,
    mapping: ObjectMapping,
    context: OrgContext,
    lead_ids: Iterable[str],
    *,
    run_id: str,
    now: datetime,
    plan: bool = False,
    on_batch: Any = None,
) -> EvaluationResult:
    """Evaluate ``lead_ids`` in batches; record each batch unless ``plan`` (a dry run)."""
    batcher = _Batcher(policy, mapping, context, run_id=run_id, now=now, plan=plan)
    ids = sorted(set(lead_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        inputs = mirror.lead_inputs(chunk, mapping)
        out = EvaluationBatch()
        for lead_id in chunk:
            if lead_id in inputs.deleted:
                stage_row = inputs.states.get(lead_id)
                batcher.retire(
                    lead_id,
                    inputs.deleted[lead_id],
                    stage_row.get("stage") if stage_row else None,
                    out,
                )
                continue
            lead = inputs.leads.get(lead_id)
            if lead is None:
                continue
            decision = engine.evaluate(
                lead,
                inputs.activities.get(lead_id, []),
                inputs.responses.get(lead_id, []),
                context.users,
                batcher.routing,
                policy,
                now,
                context=batcher.engine_context,
            )
            batcher.routing = decision.routing_state
            batcher.record(lead, decision, out)
            batcher.result.evaluated += 1
        out.routing_state = batcher.routing.to_dict()
        if not plan:
            batcher.result.tasks_queued += mirror.record_evaluations(out, now)
        else:
            batcher.result.tasks_queued += len(out.tasks)
        if on_batch is not None:
            on_batch(min(start + BATCH, len(ids)), len(ids))
    return batcher.result
