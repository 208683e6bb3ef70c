"""syncd's own view of each lead (stage, handoff, SLA, aging) and the routing state.

Saved as whole rows per batch (one upsert executemany), read by the sweeps through the
(sla_state, sla_due) and (stage, last_owner_touch_at) indexes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, case, func, select

from syncd.mirror.models import LeadState, RoutingStateRow
from syncd.mirror.reads import LEADS, QUEUES, USERS
from syncd.mirror.util import chunked, insert_for, json_safe

__all__ = [
    "due_for_recheck",
    "load_routing_state",
    "owner_board",
    "save_lead_states",
    "save_routing_state",
    "sla_due_before",
    "written_values",
]

STATES: Table = LeadState.__table__  # type: ignore[assignment]
ROUTING: Table = RoutingStateRow.__table__  # type: ignore[assignment]


def save_lead_states(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert or replace whole lead_state rows (each carries every column)."""
    if not rows:
        return
    keys = list(rows[0].keys())
    stmt = insert_for(conn, STATES)
    stmt = stmt.on_conflict_do_update(
        index_elements=["lead_id"], set_={k: stmt.excluded[k] for k in keys if k != "lead_id"}
    )
    for chunk in chunked(list(rows), 500):
        conn.execute(stmt, chunk)


def update_lead_states(conn: Connection, lead_id: str, **values: Any) -> None:
    conn.execute(STATES.update().where(STATES.c.lead_id == lead_id).values(**values))


def sla_due_before(conn: Connection, moment: datetime) -> list[str]:
    """Leads whose open SLA falls due by ``moment`` (reads the (sla_state, sla_due) index)."""
    stmt = select(STATES.c.lead_id).where(STATES.c.sla_state == "open", STATES.c.sla_due <= moment)
    return [str(i) for i in conn.scalars(stmt)]


def due_for_recheck(conn: Connection, now: datetime) -> list[str]:
    """Leads whose next deadline (no-touch, working window, SLA) has come, by the index."""
    stmt = select(STATES.c.lead_id).where(STATES.c.recheck_at <= now)
    return [str(i) for i in conn.scalars(stmt)]


def owner_board(conn: Connection, open_stages: Iterable[str]) -> list[tuple[str, int, int]]:
    """(owner name, open MQLs, SLA breached) per current owner, for the status page."""
    stages = list(open_stages)
    is_open = case((STATES.c.stage.in_(stages), 1), else_=0)
    breached = case((STATES.c.sla_state == "breached", 1), else_=0)
    owner = func.coalesce(USERS.c.name, QUEUES.c.name, LEADS.c.owner_id, "(no owner)")
    stmt = (
        select(owner, func.sum(is_open), func.sum(breached))
        .select_from(
            STATES.join(LEADS, LEADS.c.id == STATES.c.lead_id)
            .outerjoin(USERS, USERS.c.id == LEADS.c.owner_id)
            .outerjoin(QUEUES, QUEUES.c.id == LEADS.c.owner_id)
        )
        .where(LEADS.c.is_deleted.is_(False))
        .group_by(owner)
        .having(func.sum(is_open) + func.sum(breached) > 0)
        .order_by(func.sum(breached).desc(), func.sum(is_open).desc())
    )
    return [(str(name), int(o or 0), int(b or 0)) for name, o, b in conn.execute(stmt)]


def note_written(conn: Connection, written: Mapping[str, Mapping[str, Any]], now: datetime) -> None:
    """Remember what syncd wrote, per lead and output: how a later human edit is recognised."""
    ids = list(written)
    for chunk in chunked(ids):
        current = {
            r.lead_id: dict(r.written or {})
            for r in conn.execute(
                select(STATES.c.lead_id, STATES.c.written).where(STATES.c.lead_id.in_(chunk))
            )
        }
        for lead_id in chunk:
            if lead_id not in current:
                continue
            merged = current[lead_id]
            for output, value in written[lead_id].items():
                merged[output] = {"v": json_safe(value), "at": now.isoformat()}
            update_lead_states(conn, lead_id, written=merged)


def written_values(conn: Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """What syncd last wrote per lead: id -> output -> value (JSON-safe), from lead_state."""
    out: dict[str, dict[str, Any]] = {}
    for chunk in chunked(sorted(set(ids))):
        stmt = select(STATES.c.lead_id, STATES.c.written).where(STATES.c.lead_id.in_(chunk))
        for row in conn.execute(stmt):
            out[str(row.lead_id)] = {
                output: entry.get("v")
                for output, entry in (row.written or {}).items()
                if isinstance(entry, dict) and "v" in entry
            }
    return out


def load_routing_state(conn: Connection, key: str = "default") -> dict[str, Any]:
    row = conn.execute(select(ROUTING.c.state).where(ROUTING.c.key == key)).first()
    return dict(row[0]) if row is not None and row[0] else {}


def save_routing_state(
    conn: Connection, state: Mapping[str, Any], now: datetime, key: str = "default"
) -> None:
    data = json_safe(dict(state))
    updated = conn.execute(
        ROUTING.update().where(ROUTING.c.key == key).values(state=data, updated_at=now)
    )
    if not updated.rowcount:
        conn.execute(ROUTING.insert().values(key=key, state=data, updated_at=now))


def _aging(history: Sequence[tuple[str, str]]) -> dict[str, float]:
    """Seconds spent in each stage, from the stage history the engine keeps."""
    spans: dict[str, float] = {}
    items = list(history)
    for (stage, start), nxt in zip(items, [*items[1:], None], strict=True):
        if nxt is None:
            continue
        begin, end = datetime.fromisoformat(start), datetime.fromisoformat(nxt[1])
        spans[stage] = spans.get(stage, 0.0) + (end - begin).total_seconds()
    return spans


def state_row(
    *,
    lead_id: str,
    decision: Any,
    recycle_count: int,
    sla_state: str | None,
    now: datetime,
) -> dict[str, Any]:
    """A lead_state row from the engine's Decision (its `state` is the domain LeadState)."""
    st = decision.state
    stage = st.stage.value if st.stage is not None else "new"
    return {
        "lead_id": lead_id,
        "stage": stage,
        "stage_entered_at": st.stage_entered_at or now,
        "stage_seconds": _aging(st.stage_history),
        "fit_score": float(decision.fit or 0),
        "engagement_score": float(decision.engagement or 0),
        "score": float(decision.score or 0),
        "peak_score": float(st.peak_score or 0),
        "grade": decision.grade,
        "handoff_at": st.handoff_at,
        "handoff_count": st.handoff_count,
        "sla_due": st.sla_due,
        "sla_state": sla_state,
        "first_touch_at": st.first_touch_at,
        "recycle_count": recycle_count,
        "previous_owner_ids": list(st.lapsed_owner_ids),
        "extra": st.to_dict(),
        "policy_version": decision.policy_version,
        "evaluated_at": now,
        "recheck_at": st.recheck_at,
    }


def retire(conn: Connection, lead_id: str, now: datetime) -> None:
    """A lead gone from the org: no stage any more, no SLA, never re-checked."""
    conn.execute(
        STATES.update()
        .where(STATES.c.lead_id == lead_id)
        .values(stage=DELETED_STAGE, sla_state=None, evaluated_at=now, recheck_at=None)
    )


#: Mirror-only marker for leads gone from the org (deleted, or merge losers); not a stage.
DELETED_STAGE = "deleted"
