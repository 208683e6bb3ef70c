"""The typed rows the report is computed from, as the mirror hands them over."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from syncd.domain.model import Stage


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
    segment: str | None
    stage: str
    grade: str | None
    score: float
    handoff_at: datetime | None
    sla_due: datetime | None
    first_touch_at: datetime | None
    won: bool = False
    amount: Decimal | None = None


@dataclass(frozen=True)
class ReportRows:
    """Everything one report needs, read once from the mirror."""

    entries: Sequence[StageEntry]
    leads: Sequence[LeadFacts]
    # Every move into the recycled stage (not only the first), for recycle volume.
    recycles: Sequence[datetime] = ()
    owner_names: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def stage_times(self) -> Mapping[str, Mapping[str, datetime]]:
        """lead -> funnel stage -> when it first entered it (won: when it was converted).

        Computed once per report: every figure starts from it.
        """
        won = {lead.lead_id for lead in self.leads if lead.won}
        times: dict[str, dict[str, datetime]] = {}
        for entry in self.entries:
            stage = entry.stage
            if stage == Stage.CONVERTED.value:
                if entry.lead_id not in won:
                    continue
                stage = "won"
            times.setdefault(entry.lead_id, {})[stage] = entry.at
        return times
