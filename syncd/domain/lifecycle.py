"""The lead lifecycle as a state machine over `Stage`, mapped to the org's Lead Status.

The daemon makes three kinds of move itself: to MQL (score and fit over threshold), to
recycled and to disqualified. Every other move is a person's, observed through the org's
Status (or IsConverted): accept (-> SAL), qualify (-> SQL), could not reach, disqualify,
convert, or "not now" (-> nurture). A move not in the table is reported, not applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from syncd.domain.model import LeadState, Stage

__all__ = [
    "ALLOWED",
    "OPEN_STAGES",
    "QUALIFIED",
    "TERMINAL",
    "Actor",
    "LifecyclePolicy",
    "MqlRule",
    "StatusMap",
    "can_move",
    "enter",
    "time_in_stage",
]


class Actor(StrEnum):
    DAEMON = "daemon"
    PERSON = "person"


_D = frozenset({Actor.DAEMON})
_P = frozenset({Actor.PERSON})
_DP = frozenset({Actor.DAEMON, Actor.PERSON})

# Who may move a lead from one stage to another; anything absent is invalid.
ALLOWED: Mapping[tuple[Stage, Stage], frozenset[Actor]] = {
    (Stage.NEW, Stage.NURTURE): _P,
    (Stage.NEW, Stage.MQL): _D,
    (Stage.NEW, Stage.SAL): _P,
    (Stage.NEW, Stage.DISQUALIFIED): _DP,
    (Stage.NEW, Stage.CONVERTED): _P,
    (Stage.NURTURE, Stage.MQL): _D,
    (Stage.NURTURE, Stage.SAL): _P,
    (Stage.NURTURE, Stage.DISQUALIFIED): _DP,
    (Stage.NURTURE, Stage.CONVERTED): _P,
    (Stage.MQL, Stage.SAL): _P,
    (Stage.MQL, Stage.NURTURE): _P,
    (Stage.MQL, Stage.COULD_NOT_REACH): _P,
    (Stage.MQL, Stage.RECYCLED): _D,
    (Stage.MQL, Stage.DISQUALIFIED): _DP,
    (Stage.MQL, Stage.CONVERTED): _P,
    (Stage.SAL, Stage.SQL): _P,
    (Stage.SAL, Stage.NURTURE): _P,
    (Stage.SAL, Stage.COULD_NOT_REACH): _P,
    (Stage.SAL, Stage.RECYCLED): _D,
    (Stage.SAL, Stage.DISQUALIFIED): _DP,
    (Stage.SAL, Stage.CONVERTED): _P,
    (Stage.SQL, Stage.NURTURE): _P,
    (Stage.SQL, Stage.COULD_NOT_REACH): _P,
    (Stage.SQL, Stage.RECYCLED): _D,
    (Stage.SQL, Stage.DISQUALIFIED): _DP,
    (Stage.SQL, Stage.CONVERTED): _P,
    (Stage.COULD_NOT_REACH, Stage.SAL): _P,
    (Stage.COULD_NOT_REACH, Stage.RECYCLED): _D,
    (Stage.COULD_NOT_REACH, Stage.DISQUALIFIED): _DP,
    (Stage.COULD_NOT_REACH, Stage.CONVERTED): _P,
    (Stage.RECYCLED, Stage.MQL): _D,
    (Stage.RECYCLED, Stage.NURTURE): _P,
    (Stage.RECYCLED, Stage.SAL): _P,
    (Stage.RECYCLED, Stage.DISQUALIFIED): _DP,
    (Stage.RECYCLED, Stage.CONVERTED): _P,
}

# Stages in which sales owns the lead: SLA runs, recycle rules apply.
QUALIFIED = frozenset({Stage.MQL, Stage.SAL, Stage.SQL, Stage.COULD_NOT_REACH})
#: "Open" leads, everywhere in syncd (sweeps, open caps, reports): the qualified stages, in
#: which sales owns the lead. The one definition; nothing else lists them.
OPEN_STAGES = QUALIFIED
# Stages the daemon may promote to MQL from.
PRE_QUALIFIED = frozenset({Stage.NEW, Stage.NURTURE, Stage.RECYCLED})
TERMINAL = frozenset({Stage.CONVERTED, Stage.DISQUALIFIED})


def can_move(source: Stage, target: Stage, actor: Actor) -> bool:
    """Whether `actor` may move a lead from `source` to `target`."""
    return actor in ALLOWED.get((source, target), frozenset())


def enter(state: LeadState, target: Stage, now: datetime) -> LeadState:
    """The state after entering `target` at `now` (aging restarts; history keeps the path)."""
    history = (*state.stage_history, (target.value, now.isoformat()))
    return replace(
        state,
        stage=target,
        stage_entered_at=now,
        stage_history=history[-50:],
        rejected_status=None,
    )


def time_in_stage(state: LeadState, now: datetime) -> timedelta:
    """Aging: how long the lead has been in its current stage (zero if never entered)."""
    if state.stage_entered_at is None:
        return timedelta(0)
    return max(timedelta(0), now - state.stage_entered_at)


@dataclass(frozen=True, slots=True)
class StatusMap:
    """Stage <-> org Lead Status. `statuses` is what we write; `aliases` are also read."""

    statuses: tuple[tuple[Stage, str], ...]
    aliases: tuple[tuple[str, Stage], ...] = ()
    _by_status: Mapping[str, Stage] = field(init=False, repr=False, compare=False, hash=False)
    _by_stage: Mapping[Stage, str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_status = {value.strip().casefold(): stage for value, stage in self.aliases}
        by_status.update((value.strip().casefold(), stage) for stage, value in self.statuses)
        object.__setattr__(self, "_by_status", by_status)
        object.__setattr__(self, "_by_stage", dict(self.statuses))

    def status_for(self, stage: Stage) -> str:
        return self._by_stage[stage]

    def statuses_of(self, stages: frozenset[Stage]) -> tuple[str, ...]:
        """Every Status value (folded: trimmed, casefolded) that means one of ``stages``."""
        return tuple(sorted(value for value, stage in self._by_status.items() if stage in stages))

    def stage_for(self, status: str | None) -> Stage | None:
        """The stage an org Status value means (case-insensitive), or None if unknown."""
        if status is None:
            return None
        return self._by_status.get(status.strip().casefold())


@dataclass(frozen=True, slots=True)
class MqlRule:
    """A lead becomes an MQL when its total score and fit both reach these minimums."""

    min_score: float
    min_fit: float = 0.0


@dataclass(frozen=True, slots=True)
class LifecyclePolicy:
    statuses: StatusMap
    mql: MqlRule
