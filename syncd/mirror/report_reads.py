"""Reads for the handover report: a few set-based Core statements into `ReportRows`.

The report's arithmetic lives in `syncd.domain.reporting`; this module only knows where the
facts sit: stage entries in the decision ledger (kind ``transition``, the stage entered under
``after.value``), handoff and SLA facts in ``lead_state``, outcomes in ``opportunities``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Table, and_, func, select

from syncd.domain.model import Stage
from syncd.domain.reporting import FUNNEL_STAGES, LeadFacts, ReportRows, StageEntry
from syncd.mirror import models as m

__all__ = ["report_rows"]

LEDGER: Table = m.LedgerEntry.__table__  # type: ignore[assignment]
LEADS: Table = m.Lead.__table__  # type: ignore[assignment]
STATES: Table = m.LeadState.__table__  # type: ignore[assignment]
OPPS: Table = m.Opportunity.__table__  # type: ignore[assignment]
USERS: Table = m.User.__table__  # type: ignore[assignment]

# Stages the report reads entries of: the funnel's, and converted (won is a converted lead).
_STAGES = [s for s in FUNNEL_STAGES if s != "won"] + [Stage.CONVERTED.value]


def report_rows(conn: Connection, since: datetime) -> ReportRows:
    """Everything a report over [since, now] needs, in four statements."""
    # The stage entered, as text: ->> on PostgreSQL, json_extract on SQLite.
    stage = LEDGER.c.after["value"].as_string()
    first = func.min(LEDGER.c.at)
    entries = conn.execute(
        select(LEDGER.c.lead_id, stage, first)
        .where(LEDGER.c.kind == "transition", stage.in_(_STAGES))
        .group_by(LEDGER.c.lead_id, stage)
        # First entries only: a lead that was an MQL before the window is no MQL of it.
        .having(first >= since)
    ).all()
    recycles = conn.execute(
        select(LEDGER.c.at).where(
            LEDGER.c.kind == "transition",
            stage == Stage.RECYCLED.value,
            LEDGER.c.at >= since,
        )
    ).scalars()
    leads = conn.execute(
        select(
            LEADS.c.id,
            LEADS.c.owner_id,
            LEADS.c.lead_source,
            LEADS.c.country,
            STATES.c.stage,
            STATES.c.grade,
            STATES.c.score,
            STATES.c.handoff_at,
            STATES.c.sla_due,
            STATES.c.first_touch_at,
            OPPS.c.is_won,
            OPPS.c.amount,
        )
        .join(STATES, STATES.c.lead_id == LEADS.c.id)
        .outerjoin(
            OPPS, and_(OPPS.c.id == LEADS.c.converted_opportunity_id, OPPS.c.is_deleted.is_(False))
        )
        .where(LEADS.c.is_deleted.is_(False))
    ).all()
    names = conn.execute(select(USERS.c.id, USERS.c.name)).all()
    return ReportRows(
        entries=[StageEntry(lead_id, str(s), at) for lead_id, s, at in entries],
        leads=[
            LeadFacts(
                lead_id=r.id,
                owner_id=r.owner_id,
                source=r.lead_source,
                segment=r.country,
                stage=r.stage,
                grade=r.grade,
                score=float(r.score or 0.0),
                handoff_at=r.handoff_at,
                sla_due=r.sla_due,
                first_touch_at=r.first_touch_at,
                won=bool(r.is_won),
                amount=r.amount,
            )
            for r in leads
        ],
        recycles=list(recycles),
        owner_names={uid: name or uid for uid, name in names},
    )
