"""What the handover came to, read for a summary (the demo's closing tables): decisions by
kind, leads per SLA state, the recorded reasons of every assignment to a queue, and a lead
handed to a rep (worth `syncd explain`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from syncd.mirror.ledger import TABLE as LEDGER
from syncd.mirror.reads import LEADS, QUEUES, STATES, USERS

__all__ = ["Outcome", "outcome"]


@dataclass
class Outcome:
    decisions_by_kind: dict[str, int] = field(default_factory=dict)
    sla_states: dict[str, int] = field(default_factory=dict)
    queue_reasons: list[list[str]] = field(default_factory=list)
    example_lead: str | None = None


def outcome(conn: Connection) -> Outcome:
    found = Outcome()
    kinds = select(LEDGER.c.kind, func.count()).group_by(LEDGER.c.kind)
    found.decisions_by_kind = {str(k): int(n) for k, n in conn.execute(kinds)}
    sla = (
        select(STATES.c.sla_state, func.count())
        .select_from(STATES.join(LEADS, LEADS.c.id == STATES.c.lead_id))
        .where(STATES.c.sla_state.is_not(None), LEADS.c.is_deleted.is_(False))
        .group_by(STATES.c.sla_state)
    )
    found.sla_states = {str(s): int(n) for s, n in conn.execute(sla)}
    queue_ids = set(conn.scalars(select(QUEUES.c.id)))
    user_ids = set(conn.scalars(select(USERS.c.id)))
    assignments = select(LEDGER.c.lead_id, LEDGER.c.after, LEDGER.c.reasons).where(
        LEDGER.c.kind == "assignment"
    )
    for lead_id, after, reasons in conn.execute(assignments.order_by(LEDGER.c.id)):
        owner = (after or {}).get("value")
        listed = [str(r) for r in (reasons or [])]
        if owner in queue_ids:
            found.queue_reasons.append(listed)
        elif owner in user_ids and found.example_lead is None:
            found.example_lead = str(lead_id)
    return found
