"""Who follows the process: SLA compliance per rep, aging per stage, leads stuck in a stage.

Per rep, over the handoffs of the window: first responses met and breached, touches made
within the working window against the touches the policy requires (a lead's touches count up
to `required`, so many calls on one lead do not hide another left untouched), and leads left
without a status update: still in the stage they were handed off in after the window ended.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from syncd.domain.calendar import BusinessCalendar, add_business_time
from syncd.domain.model import Stage
from syncd.domain.reporting.figures import Window, nearest_rank, rate, sla_outcome
from syncd.domain.reporting.rows import LeadFacts, ReportRows
from syncd.domain.sla import TouchRule

AGED_STAGES: tuple[str, ...] = (Stage.MQL.value, Stage.SAL.value, Stage.SQL.value)
DEFAULT_STUCK_AFTER: Mapping[str, timedelta] = {
    Stage.MQL.value: timedelta(days=5),
    Stage.SAL.value: timedelta(days=10),
    Stage.SQL.value: timedelta(days=30),
}


@dataclass(frozen=True, slots=True)
class RepCompliance:
    owner_id: str
    name: str
    handoffs: int
    met: int
    breached: int
    touches_made: int
    touches_required: int
    stale: int  # no status update by the end of the working window

    @property
    def attainment(self) -> float | None:
        return rate(self.met, self.met + self.breached)

    @property
    def touch_rate(self) -> float | None:
        return rate(self.touches_made, self.touches_required)


def window_end(lead: LeadFacts, rule: TouchRule, calendar: BusinessCalendar) -> datetime:
    assert lead.handoff_at is not None
    return add_business_time(lead.handoff_at, rule.window, calendar)


def rep_compliance(
    rows: ReportRows,
    window: Window,
    rule: TouchRule,
    calendar: BusinessCalendar,
    now: datetime,
) -> list[RepCompliance]:
    """Per current owner of the window's handoffs, most handoffs first."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for lead in rows.leads:
        if lead.owner_id is None or not window.holds(lead.handoff_at):
            continue
        assert lead.handoff_at is not None
        c = counts[lead.owner_id]
        c["handoffs"] += 1
        c[sla_outcome(lead, now)] += 1
        # Business time never runs faster than the clock: the window cannot have ended yet.
        ended = now - lead.handoff_at >= rule.window
        end = window_end(lead, rule, calendar) if ended else now
        ended = ended and end <= now
        made = sum(1 for t in lead.touches if lead.handoff_at <= t <= end)
        c["made"] += min(made, rule.required)
        c["required"] += rule.required
        unmoved = lead.stage_entered_at is None or lead.stage_entered_at <= lead.handoff_at
        c["stale"] += ended and lead.stage == Stage.MQL.value and unmoved
    reps = [
        RepCompliance(
            owner,
            rows.owner_names.get(owner, owner),
            c["handoffs"],
            c["met"],
            c["breached"],
            c["made"],
            c["required"],
            c["stale"],
        )
        for owner, c in counts.items()
    ]
    return sorted(reps, key=lambda r: (-r.handoffs, r.name))


@dataclass(frozen=True, slots=True)
class StageAging:
    stage: str
    leads: int  # entered the stage in the window
    median_days: float | None
    p90_days: float | None
    stuck: int  # in the stage now, for longer than `limit`
    limit: timedelta


def _days(seconds: float) -> float:
    return seconds / 86_400


def stage_aging(
    rows: ReportRows,
    window: Window,
    now: datetime,
    stuck_after: Mapping[str, timedelta] = DEFAULT_STUCK_AFTER,
) -> list[StageAging]:
    """Time spent in each stage by the leads that entered it in the window (the stage's
    recorded seconds once left, the time so far while still in it), and who is stuck now."""
    times = rows.stage_times
    spent: dict[str, list[float]] = defaultdict(list)
    stuck: Counter[str] = Counter()
    for lead in rows.leads:
        here = now - lead.stage_entered_at if lead.stage_entered_at is not None else None
        limit = stuck_after.get(lead.stage)
        if here is not None and limit is not None and here > limit:
            stuck[lead.stage] += 1
        entered = times.get(lead.lead_id, {})
        for stage in AGED_STAGES:
            if not window.holds(entered.get(stage)):
                continue
            if lead.stage == stage and here is not None:
                spent[stage].append(_days(here.total_seconds()))
            elif stage in lead.stage_seconds:
                spent[stage].append(_days(lead.stage_seconds[stage]))
    return [
        StageAging(
            stage,
            len(spent[stage]),
            nearest_rank(spent[stage], 0.5),
            nearest_rank(spent[stage], 0.9),
            stuck[stage],
            stuck_after.get(stage, timedelta(0)),
        )
        for stage in AGED_STAGES
    ]


def stuck_leads(
    leads: Sequence[LeadFacts], now: datetime, stuck_after: Mapping[str, timedelta]
) -> list[LeadFacts]:
    """Leads in a stage longer than its limit, longest first."""
    out = [
        lead
        for lead in leads
        if lead.stage_entered_at is not None
        and lead.stage in stuck_after
        and now - lead.stage_entered_at > stuck_after[lead.stage]
    ]
    return sorted(out, key=lambda lead: lead.stage_entered_at or now)
