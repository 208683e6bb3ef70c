"""Why a lead is where it is: its ledger read back as of a moment.

Pure: the decisions come in (as recorded, oldest first), an explanation comes out: the
score and every rule behind it, the stages with how long the lead spent in each, the owners
with the routing reasons, SLA events, recycles and everything else syncd noted. Nothing
after ``as_of`` is looked at, so an explanation of a past moment is what syncd knew then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from syncd.domain.model import LedgerKind

__all__ = ["Decided", "Event", "Explanation", "ScoreView", "StageSpan", "explain"]


class Decided(Protocol):
    """One recorded decision (the mirror's ledger rows have this shape)."""

    @property
    def at(self) -> datetime: ...

    @property
    def kind(self) -> str: ...

    @property
    def before(self) -> Mapping[str, Any]: ...

    @property
    def after(self) -> Mapping[str, Any]: ...

    @property
    def reasons(self) -> Sequence[str]: ...

    @property
    def policy_version(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    kind: str
    before: Any
    after: Any
    reasons: tuple[str, ...]
    policy_version: str | None


@dataclass(frozen=True, slots=True)
class ScoreView:
    at: datetime
    score: Any
    headline: str
    rules: tuple[str, ...]  # every scoring rule that applied, as recorded
    policy_version: str | None


@dataclass(frozen=True, slots=True)
class StageSpan:
    stage: str
    entered_at: datetime
    left_at: datetime | None  # None: still in it at ``as_of``
    aged: timedelta
    why: str


@dataclass(frozen=True, slots=True)
class Explanation:
    lead_id: str
    as_of: datetime
    score: ScoreView | None
    stages: tuple[StageSpan, ...]
    owners: tuple[Event, ...]
    sla: tuple[Event, ...]
    recycles: tuple[Event, ...]
    other: tuple[Event, ...] = field(default=())

    @property
    def known(self) -> bool:
        return bool(self.score or self.stages or self.owners or self.sla or self.other)


def _event(d: Decided) -> Event:
    return Event(
        d.at,
        d.kind,
        d.before.get("value"),
        d.after.get("value"),
        tuple(d.reasons),
        d.policy_version,
    )


def explain(lead_id: str, decisions: Iterable[Decided], as_of: datetime) -> Explanation:
    """The lead as syncd saw it at ``as_of`` (``decisions`` oldest first)."""
    seen = [d for d in decisions if d.at <= as_of]
    score: ScoreView | None = None
    entries: list[tuple[str, datetime, str]] = []
    owners: list[Event] = []
    sla: list[Event] = []
    recycles: list[Event] = []
    other: list[Event] = []
    for d in seen:
        if d.kind == LedgerKind.SCORE:
            reasons = tuple(d.reasons)
            score = ScoreView(
                d.at, d.after.get("value"), reasons[0] if reasons else "", reasons[1:],
                d.policy_version,
            )  # fmt: skip
        elif d.kind == LedgerKind.TRANSITION:
            entries.append((str(d.after.get("value")), d.at, d.reasons[0] if d.reasons else ""))
        elif d.kind == LedgerKind.ASSIGNMENT:
            owners.append(_event(d))
        elif d.kind == LedgerKind.SLA:
            sla.append(_event(d))
        elif d.kind == LedgerKind.RECYCLE:
            recycles.append(_event(d))
        else:
            other.append(_event(d))
    stages = []
    for i, (stage, entered, why) in enumerate(entries):
        left = entries[i + 1][1] if i + 1 < len(entries) else None
        stages.append(StageSpan(stage, entered, left, (left or as_of) - entered, why))
    return Explanation(
        lead_id, as_of, score, tuple(stages), tuple(owners), tuple(sla), tuple(recycles),
        tuple(other),
    )  # fmt: skip
