"""The typed rows the report is computed from, as the mirror hands them over."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from syncd.domain.model import Stage

OPPORTUNITY = "opportunity"
WON = "won"


@dataclass(frozen=True, slots=True)
class StageEntry:
    """The first time a lead entered a stage (the earliest transition ledger entry into it)."""

    lead_id: str
    stage: str
    at: datetime


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """One lead's current facts: who owns it, where it came from, its handoff and outcome."""

    lead_id: str
    owner_id: str | None
    source: str | None
    stage: str
    grade: str | None
    score: float
    handoff_at: datetime | None
    sla_due: datetime | None
    first_touch_at: datetime | None
    won: bool = False
    amount: Decimal | None = None
    # The lead was converted into an opportunity (open, won or lost) that the mirror holds.
    opportunity: bool = False
    closed: bool = False
    # The attributes the policy's `report.segments` names, attribute -> value.
    segments: Mapping[str, str | None] = field(default_factory=dict)
    stage_entered_at: datetime | None = None
    # Seconds spent in each stage the lead has left (lead_state.stage_seconds).
    stage_seconds: Mapping[str, float] = field(default_factory=dict)
    # When the owner touched the lead after its handoff (touch rule of the policy), oldest first.
    touches: Sequence[datetime] = ()


@dataclass(frozen=True, slots=True)
class StageExit:
    """A move out of the funnel (recycled or disqualified), with the reasons recorded."""

    lead_id: str
    stage: str
    at: datetime
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ReportRows:
    """Everything one report needs, read once from the mirror."""

    entries: Sequence[StageEntry]
    leads: Sequence[LeadFacts]
    # Every move into recycled or disqualified (not only the first), for volume and reasons.
    exits: Sequence[StageExit] = ()
    owner_names: Mapping[str, str] = field(default_factory=dict)

    @property
    def recycles(self) -> list[datetime]:
        return [e.at for e in self.exits if e.stage == Stage.RECYCLED.value]

    @cached_property
    def stage_times(self) -> Mapping[str, Mapping[str, datetime]]:
        """lead -> funnel stage -> when it first entered it.

        opportunity and won: when the lead was converted into an opportunity (that is won).
        Computed once per report: every figure starts from it.
        """
        opps = {lead.lead_id for lead in self.leads if lead.opportunity}
        won = {lead.lead_id for lead in self.leads if lead.won}
        times: dict[str, dict[str, datetime]] = {}
        for entry in self.entries:
            lead_times = times.setdefault(entry.lead_id, {})
            if entry.stage != Stage.CONVERTED.value:
                lead_times[entry.stage] = entry.at
                continue
            if entry.lead_id in opps:
                lead_times[OPPORTUNITY] = entry.at
            if entry.lead_id in won:
                lead_times[WON] = entry.at
        return times
