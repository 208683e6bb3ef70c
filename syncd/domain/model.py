"""Domain values: what the engine reads (lead, activities, campaign responses, users) and
what it returns (a Decision with field changes, tasks and ledger entries).

All values are frozen; datetimes are timezone-aware. `LeadState` is syncd's own
bookkeeping for a lead (stage, handoffs, SLA, recycles) that Salesforce does not hold;
the mirror stores it through `to_dict()` / `from_dict()` and hands it back next cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from syncd.domain.outputs import Output

if TYPE_CHECKING:
    from syncd.domain.routing_state import RoutingState

__all__ = [
    "Activity",
    "ActivityKind",
    "CampaignResponse",
    "Decision",
    "Lead",
    "LeadState",
    "LedgerEntry",
    "LedgerKind",
    "Stage",
    "TaskToCreate",
    "User",
]


class Stage(StrEnum):
    """Lifecycle stages; the policy maps each to one of the org's Lead Status values."""

    NEW = "new"
    NURTURE = "nurture"
    MQL = "mql"
    SAL = "sal"
    SQL = "sql"
    CONVERTED = "converted"
    RECYCLED = "recycled"
    DISQUALIFIED = "disqualified"
    COULD_NOT_REACH = "could_not_reach"


class ActivityKind(StrEnum):
    TASK = "Task"
    EVENT = "Event"


class LedgerKind(StrEnum):
    SCORE = "score"
    TRANSITION = "transition"
    ASSIGNMENT = "assignment"
    SLA = "sla"
    RECYCLE = "recycle"
    HYGIENE = "hygiene"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class Activity:
    """A Task or Event whose WhoId is the lead.

    `type` is Task.Type / Event.Type (Call, Email, Meeting, or an org value such as
    "Web Visit"); `url` holds the page or asset the activity is about, when marketing
    automation records one (often in Description).
    """

    id: str
    who_id: str
    kind: ActivityKind
    activity_date: datetime
    owner_id: str | None = None
    type: str | None = None
    subject: str | None = None
    url: str | None = None
    created_at: datetime | None = None
    is_deleted: bool = False


@dataclass(frozen=True, slots=True)
class CampaignResponse:
    """A CampaignMember row for the lead (campaign type and member status drive scoring)."""

    id: str
    lead_id: str
    campaign_id: str
    campaign_name: str
    campaign_type: str | None
    member_status: str | None
    responded: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class User:
    """A possible owner: a user or a queue (queues are never "away" nor capped)."""

    id: str
    name: str = ""
    active: bool = True
    away: bool = False
    role: str | None = None
    team: str | None = None
    manager_id: str | None = None
    is_queue: bool = False


def _dt(value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError(f"naive datetime in lead state: {value!r}")
        return parsed
    raise TypeError(f"expected an ISO datetime, got {type(value).__name__}")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True)
class LeadState:
    """syncd's bookkeeping for one lead, carried from one evaluation to the next.

    `stage` None means "never evaluated": the engine derives it from the org's Status.
    `handoff_count` numbers handoffs so each alert Task is created exactly once;
    `sla_breached_handoff` is the last handoff whose breach was escalated, and
    `sla_reassignments` counts breach reassignments since the lead last became an MQL.
    `follow_up_seconds`: business time from the latest handoff to the owner's first touch.
    `window_end`: when the handoff's working window ends (computed once, when first needed).
    `peak_score` is the highest score seen while qualified (recycle hysteresis).
    `lapsed_owner_ids` are reps who let the lead go stale (not chosen again if avoidable).
    `hygiene_flags` are the flags already reported (so they are reported once).
    `rejected_status` is an org Status we refused as an invalid move (reported once).
    `recheck_at` is the next moment a clock could change the decision by itself (SLA due,
    working-window end, no-touch deadline): the sweeps look again then, not on a timer.
    """

    stage: Stage | None = None
    stage_entered_at: datetime | None = None
    handoff_count: int = 0
    handoff_at: datetime | None = None
    sla_due: datetime | None = None
    window_end: datetime | None = None
    sla_breached_handoff: int = 0
    sla_reassignments: int = 0
    first_touch_at: datetime | None = None
    follow_up_seconds: int | None = None
    recycled_at: datetime | None = None
    peak_score: int | None = None
    lapsed_owner_ids: tuple[str, ...] = ()
    hygiene_flags: tuple[str, ...] = ()
    rejected_status: str | None = None
    stage_history: tuple[tuple[str, str], ...] = ()
    recheck_at: datetime | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready data for the mirror."""
        return {
            "stage": None if self.stage is None else self.stage.value,
            "stage_entered_at": _iso(self.stage_entered_at),
            "handoff_count": self.handoff_count,
            "handoff_at": _iso(self.handoff_at),
            "sla_due": _iso(self.sla_due),
            "window_end": _iso(self.window_end),
            "sla_breached_handoff": self.sla_breached_handoff,
            "sla_reassignments": self.sla_reassignments,
            "first_touch_at": _iso(self.first_touch_at),
            "follow_up_seconds": self.follow_up_seconds,
            "recycled_at": _iso(self.recycled_at),
            "peak_score": self.peak_score,
            "lapsed_owner_ids": list(self.lapsed_owner_ids),
            "hygiene_flags": list(self.hygiene_flags),
            "rejected_status": self.rejected_status,
            "stage_history": [list(pair) for pair in self.stage_history],
            "recheck_at": _iso(self.recheck_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> LeadState:
        """Inverse of `to_dict`; unknown keys are ignored so older rows still load."""
        stage = data.get("stage")
        peak = data.get("peak_score")
        lapsed = _list(data, "lapsed_owner_ids")
        flags = _list(data, "hygiene_flags")
        history = _list(data, "stage_history")
        rejected = data.get("rejected_status")
        return cls(
            stage=None if stage is None else Stage(str(stage)),
            stage_entered_at=_dt(data.get("stage_entered_at")),
            handoff_count=_int(data.get("handoff_count")),
            handoff_at=_dt(data.get("handoff_at")),
            sla_due=_dt(data.get("sla_due")),
            window_end=_dt(data.get("window_end")),
            sla_breached_handoff=_int(data.get("sla_breached_handoff")),
            sla_reassignments=_int(data.get("sla_reassignments")),
            first_touch_at=_dt(data.get("first_touch_at")),
            follow_up_seconds=(
                None if data.get("follow_up_seconds") is None else _int(data["follow_up_seconds"])
            ),
            recycled_at=_dt(data.get("recycled_at")),
            peak_score=None if peak is None else _int(peak),
            lapsed_owner_ids=tuple(str(x) for x in lapsed),
            hygiene_flags=tuple(str(x) for x in flags),
            rejected_status=None if rejected is None else str(rejected),
            stage_history=tuple(_pair(p) for p in history),
            recheck_at=_dt(data.get("recheck_at")),
        )


def _pair(value: object) -> tuple[str, str]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise TypeError(f"lead state: stage_history items must be [stage, when], got {value!r}")
    return str(value[0]), str(value[1])


def _list(data: Mapping[str, object], key: str) -> list[object]:
    value = data.get(key) or []
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"lead state: {key} must be a list, got {type(value).__name__}")
    return list(value)


def _int(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return int(value)


@dataclass(frozen=True, slots=True)
class Lead:
    """A lead as the mirror holds it, plus syncd's state for it.

    `fields` maps mirror attribute names (snake_case: title, industry, email...) to values;
    the org's current values of the fields syncd writes are given explicitly so the engine
    writes only what changes.
    """

    id: str
    fields: Mapping[str, object]
    status: str | None
    owner_id: str | None
    is_converted: bool
    created_at: datetime
    score: float | None = None
    grade: str | None = None
    score_reason: str | None = None
    sla_due: datetime | None = None
    recycle_count: int = 0
    state: LeadState = field(default_factory=LeadState)

    def with_state(self, state: LeadState) -> Lead:
        return replace(self, state=state)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One recorded decision: what changed, from what to what, why, under which policy."""

    kind: LedgerKind
    before: object
    after: object
    reasons: tuple[str, ...]
    at: datetime
    policy_version: str

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "before": _plain(self.before),
            "after": _plain(self.after),
            "reasons": list(self.reasons),
            "at": self.at.isoformat(),
            "policy_version": self.policy_version,
        }


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value


@dataclass(frozen=True, slots=True)
class TaskToCreate:
    """A Salesforce Task the adapter creates once: `idempotency_key` is unique per purpose.

    Keys look like `<lead id>:handoff:<n>` or `<lead id>:sla-breach:<n>`; the adapter
    remembers created keys so a crash between create and record never creates it twice.
    """

    owner_id: str
    who_id: str
    subject: str
    description: str
    due: datetime | None
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class Decision:
    """Everything the engine decided for one lead in one evaluation.

    `field_changes` is keyed by `Output` (the Salesforce field is chosen at writeback, from
    fields.yaml) and holds only values that differ from the org's current ones. `state`
    replaces the lead's state;
    `routing_state` is the round-robin state after this lead (pass it to the next lead).
    """

    lead_id: str
    field_changes: Mapping[Output, object]
    tasks_to_create: tuple[TaskToCreate, ...]
    ledger: tuple[LedgerEntry, ...]
    reasons: tuple[str, ...]
    policy_version: str
    state: LeadState
    routing_state: RoutingState
    score: int | None = None
    fit: int | None = None
    engagement: int | None = None
    grade: str | None = None

    @property
    def changes_anything(self) -> bool:
        return bool(self.field_changes or self.tasks_to_create or self.ledger)
