"""What-if: the same leads decided under two policies, compared as sales ops reads it.

Pure: outcomes in (one per lead per policy, from replaying the engine on the mirror's
values from a blank state at the same moment, so only the policy differs), a comparison
out: MQLs per week of arrival, by source and segment, load per rep, recycles, SLA load,
and every lead whose outcome changes, with the reasons under both policies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from syncd.domain.lifecycle import OPEN_STAGES
from syncd.domain.model import Decision, Lead, Stage
from syncd.domain.outputs import Output

__all__ = [
    "Difference",
    "Metrics",
    "Outcome",
    "WhatIf",
    "compare",
    "metrics",
    "outcome_of",
    "segment_of",
]

# Company size bands, as sales teams split territories (employees).
_SEGMENTS = ((200, "SMB"), (1000, "Mid-Market"))


def segment_of(lead: Lead) -> str:
    employees = lead.fields.get("number_of_employees")
    if not isinstance(employees, int | float):
        return "unknown size"
    for limit, name in _SEGMENTS:
        if employees < limit:
            return name
    return "Enterprise"


@dataclass(frozen=True, slots=True)
class Outcome:
    lead_id: str
    week: str  # ISO week the lead arrived, e.g. 2026-W47
    source: str
    segment: str
    stage: str | None
    owner_id: str | None
    mql: bool
    recycled: bool
    sla_open: bool
    reasons: tuple[str, ...]

    def key(self) -> tuple[object, ...]:
        """What "the outcome changes" compares: stage, owner, recycle."""
        return (self.stage, self.owner_id, self.recycled)


def outcome_of(lead: Lead, decision: Decision) -> Outcome:
    state = decision.state
    owner = decision.field_changes.get(Output.OWNER, lead.owner_id)
    year, week, _ = lead.created_at.isocalendar()
    return Outcome(
        lead_id=lead.id,
        week=f"{year}-W{week:02d}",
        source=str(lead.fields.get("lead_source") or "unknown"),
        segment=segment_of(lead),
        stage=None if state.stage is None else state.stage.value,
        owner_id=None if owner is None else str(owner),
        mql=state.stage is Stage.MQL,
        recycled=Output.RECYCLE_COUNT in decision.field_changes,
        sla_open=state.sla_due is not None and state.stage in OPEN_STAGES,
        reasons=decision.reasons,
    )


@dataclass(frozen=True, slots=True)
class Metrics:
    leads: int
    mqls: int
    mqls_per_week: Mapping[str, int]
    mqls_by_source: Mapping[str, int]
    mqls_by_segment: Mapping[str, int]
    load_per_owner: Mapping[str, int]  # open leads handed to each owner
    recycles: int
    sla_open: int


def metrics(outcomes: Iterable[Outcome]) -> Metrics:
    items = list(outcomes)
    mqls = [o for o in items if o.mql]
    return Metrics(
        leads=len(items),
        mqls=len(mqls),
        mqls_per_week=dict(sorted(Counter(o.week for o in mqls).items())),
        mqls_by_source=dict(Counter(o.source for o in mqls).most_common()),
        mqls_by_segment=dict(Counter(o.segment for o in mqls).most_common()),
        load_per_owner=dict(
            Counter(o.owner_id for o in items if o.sla_open and o.owner_id).most_common()
        ),
        recycles=sum(o.recycled for o in items),
        sla_open=sum(o.sla_open for o in items),
    )


@dataclass(frozen=True, slots=True)
class Difference:
    lead_id: str
    current: Outcome
    other: Outcome


@dataclass(frozen=True, slots=True)
class WhatIf:
    as_of: datetime
    current: Metrics
    other: Metrics
    differences: tuple[Difference, ...] = field(default=())


def compare(
    current: Mapping[str, Outcome], other: Mapping[str, Outcome], as_of: datetime
) -> WhatIf:
    """Both policies' metrics, and the leads whose outcome differs (by lead id)."""
    diffs = tuple(
        Difference(lead_id, current[lead_id], other[lead_id])
        for lead_id in sorted(current.keys() & other.keys())
        if current[lead_id].key() != other[lead_id].key()
    )
    return WhatIf(as_of, metrics(current.values()), metrics(other.values()), diffs)
