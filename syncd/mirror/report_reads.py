"""Reads for the handover report: a few set-based Core statements into `ReportRows`.

The report's arithmetic lives in `syncd.domain.reporting`; this module only knows where the
facts sit: stage entries in the decision ledger (kind ``transition``, the stage entered under
``after.value``), handoff, SLA and aging facts in ``lead_state``, outcomes in
``opportunities``, owner touches in ``activities``, exits (recycled, disqualified) with their
ledger reasons.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, func, or_, select

from syncd.domain.model import Stage
from syncd.domain.reporting import FUNNEL_STAGES, LeadFacts, ReportRows, StageEntry
from syncd.domain.reporting.calibration_inputs import ScoreEntry
from syncd.domain.reporting.rows import OPPORTUNITY, WON, StageExit
from syncd.domain.reporting.segments import DEFAULT_SEGMENTS, Segment
from syncd.domain.sla import TouchRule
from syncd.mirror import models as m

__all__ = ["calibration_rows", "report_rows"]

LEDGER: Table = m.LedgerEntry.__table__  # type: ignore[assignment]
LEADS: Table = m.Lead.__table__  # type: ignore[assignment]
STATES: Table = m.LeadState.__table__  # type: ignore[assignment]
OPPS: Table = m.Opportunity.__table__  # type: ignore[assignment]
USERS: Table = m.User.__table__  # type: ignore[assignment]
ACTS: Table = m.Activity.__table__  # type: ignore[assignment]

# Stages the report reads entries of: the funnel's, and converted (won is a converted lead).
_STAGES = [s for s in FUNNEL_STAGES if s not in (OPPORTUNITY, WON)] + [Stage.CONVERTED.value]


def _attribute(name: str) -> ColumnElement[Any]:
    """A lead attribute: its typed column, or its value in the ``fields`` JSON."""
    if name in LEADS.c and name != "fields":
        column: ColumnElement[Any] = LEADS.c[name]
        return column
    value: ColumnElement[Any] = LEADS.c.fields[name].as_string()
    return value


def _touches(conn: Connection, since: datetime, rule: TouchRule) -> dict[str, list[datetime]]:
    """Per lead handed off since `since`: when its owner touched it after the handoff."""
    types = [t.casefold() for t in rule.types]
    kinds = [k.value for k in rule.kinds]
    rows = conn.execute(
        select(ACTS.c.who_id, ACTS.c.created_date)
        .join(STATES, STATES.c.lead_id == ACTS.c.who_id)
        .join(LEADS, LEADS.c.id == ACTS.c.who_id)
        .where(
            STATES.c.handoff_at >= since,
            ACTS.c.is_deleted.is_(False),
            ACTS.c.owner_id == LEADS.c.owner_id,
            ACTS.c.created_date >= STATES.c.handoff_at,
            or_(ACTS.c.kind.in_(kinds), func.lower(func.trim(ACTS.c.type)).in_(types)),
        )
    )
    out: dict[str, list[datetime]] = defaultdict(list)
    for who, at in rows:
        out[who].append(at)
    return {who: sorted(times) for who, times in out.items()}


def report_rows(
    conn: Connection,
    since: datetime,
    segments: Sequence[Segment] = DEFAULT_SEGMENTS,
    touch: TouchRule | None = None,
) -> ReportRows:
    """Everything a report over [since, now] needs, in a handful of statements."""
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
    exits = conn.execute(
        select(LEDGER.c.lead_id, stage, LEDGER.c.at, LEDGER.c.reasons).where(
            LEDGER.c.kind == "transition",
            stage.in_([Stage.RECYCLED.value, Stage.DISQUALIFIED.value]),
            LEDGER.c.at >= since,
        )
    ).all()
    segment_columns = [_attribute(s.attribute).label(f"seg_{i}") for i, s in enumerate(segments)]
    leads = conn.execute(
        select(
            LEADS.c.id,
            LEADS.c.owner_id,
            LEADS.c.lead_source,
            STATES.c.stage,
            STATES.c.grade,
            STATES.c.score,
            STATES.c.handoff_at,
            STATES.c.sla_due,
            STATES.c.first_touch_at,
            STATES.c.stage_entered_at,
            STATES.c.stage_seconds,
            OPPS.c.id.label("opp_id"),
            OPPS.c.is_won,
            OPPS.c.is_closed,
            OPPS.c.amount,
            *segment_columns,
        )
        .join(STATES, STATES.c.lead_id == LEADS.c.id)
        .outerjoin(
            OPPS, and_(OPPS.c.id == LEADS.c.converted_opportunity_id, OPPS.c.is_deleted.is_(False))
        )
        .where(LEADS.c.is_deleted.is_(False))
    ).all()
    touches = _touches(conn, since, touch) if touch is not None else {}
    names = conn.execute(select(USERS.c.id, USERS.c.name)).all()
    return ReportRows(
        entries=[StageEntry(lead_id, str(s), at) for lead_id, s, at in entries],
        leads=[
            LeadFacts(
                lead_id=r.id,
                owner_id=r.owner_id,
                source=r.lead_source,
                stage=r.stage,
                grade=r.grade,
                score=float(r.score or 0.0),
                handoff_at=r.handoff_at,
                sla_due=r.sla_due,
                first_touch_at=r.first_touch_at,
                won=bool(r.is_won),
                amount=r.amount,
                opportunity=r.opp_id is not None,
                closed=bool(r.is_closed),
                segments={
                    s.attribute: s.label(r._mapping[f"seg_{i}"]) for i, s in enumerate(segments)
                },
                stage_entered_at=r.stage_entered_at,
                stage_seconds={k: float(v) for k, v in (r.stage_seconds or {}).items()},
                touches=touches.get(r.id, ()),
            )
            for r in leads
        ],
        exits=[
            StageExit(lead_id, str(s), at, tuple(str(x) for x in reasons or ()))
            for lead_id, s, at, reasons in exits
        ],
        owner_names={uid: name or uid for uid, name in names},
    )


def calibration_rows(
    conn: Connection, since: datetime, reached: Sequence[str]
) -> tuple[list[ScoreEntry], dict[str, datetime]]:
    """Score entries recorded since `since`, and when each lead first entered any of the
    `reached` stages (its outcome)."""
    value = LEDGER.c.after["value"].as_float()
    scores = conn.execute(
        select(LEDGER.c.lead_id, LEDGER.c.at, value, LEDGER.c.reasons).where(
            LEDGER.c.kind == "score", LEDGER.c.at >= since
        )
    ).all()
    stage = LEDGER.c.after["value"].as_string()
    outcomes = conn.execute(
        select(LEDGER.c.lead_id, func.min(LEDGER.c.at))
        .where(LEDGER.c.kind == "transition", stage.in_(list(reached)))
        .group_by(LEDGER.c.lead_id)
    ).all()
    return (
        [
            ScoreEntry(lead_id, at, float(score or 0.0), tuple(str(r) for r in reasons or ()))
            for lead_id, at, score, reasons in scores
        ],
        {str(lead_id): at for lead_id, at in outcomes},
    )
