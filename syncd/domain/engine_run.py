"""One lead's evaluation in progress: its context (policy, users, clock, calendar) and the
run that collects the steps' changes, ledger entries and tasks into one `Decision`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from syncd.domain.calendar import BusinessCalendar
from syncd.domain.lifecycle import (
    Actor,
    enter,
    time_in_stage,
)
from syncd.domain.model import (
    Lead,
    LeadState,
    LedgerEntry,
    LedgerKind,
    Stage,
    TaskToCreate,
    User,
)
from syncd.domain.policy import Policy
from syncd.domain.routing_state import RoutingState
from syncd.domain.scoring import Score


@dataclass(frozen=True, slots=True)
class EvaluationContext:
    """What the engine needs beyond the lead itself.

    `duplicate_emails`: emails (normal form) that more than one lead has, see
    `duplicate_emails()`; `org_calendar`: the org's default BusinessHours with holidays,
    used when the policy says `calendar: org`.
    """

    duplicate_emails: frozenset[str] = frozenset()
    org_calendar: BusinessCalendar | None = None


def whole_seconds(value: datetime | None) -> datetime | None:
    # Salesforce stores datetimes to the second: compare in that form or we rewrite forever.
    return None if value is None else value.replace(microsecond=0)


def fmt_age(duration: timedelta) -> str:
    days, seconds = divmod(int(duration.total_seconds()), 86400)
    return f"{days}d {seconds // 3600}h {seconds % 3600 // 60:02d}m"


def fmt_business(duration: timedelta) -> str:
    minutes = round(duration.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


@dataclass(slots=True)
class Run:
    """Mutable scratchpad of one evaluation; frozen into a Decision at the end."""

    lead: Lead
    policy: Policy
    now: datetime
    users: Mapping[str, User]
    routing_state: RoutingState
    calendar: BusinessCalendar | None
    score: Score
    state: LeadState
    owner_id: str | None
    status: str | None
    recycle_count: int
    sla_due: datetime | None
    lead_source: str | None = None
    lead_source_detail: str | None = None
    data_quality: str | None = None
    # Why a person (or the marketing tool) put the lead in MQL this run: a handoff is due.
    set_to_mql: str | None = None
    first_sight: bool = False
    ledger: list[LedgerEntry] = field(default_factory=list)
    tasks: list[TaskToCreate] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def stage(self) -> Stage:
        assert self.state.stage is not None
        return self.state.stage

    def record(self, kind: LedgerKind, before: object, after: object, *reasons: str) -> None:
        self.ledger.append(
            LedgerEntry(kind, before, after, tuple(reasons), self.now, self.policy.version)
        )
        if reasons:  # the headline; details stay in the ledger entry
            self.reasons.append(reasons[0])

    def cal(self) -> BusinessCalendar:
        calendar = self.calendar
        if calendar is None:
            raise ValueError(
                "the policy's SLA uses the org calendar (calendar: org) but no org_calendar "
                "was given in the EvaluationContext"
            )
        return calendar

    def move(self, target: Stage, why: str, actor: Actor) -> None:
        before = self.state.stage
        aged = time_in_stage(self.state, self.now)
        self.state = enter(self.state, target, self.now)
        self.record(
            LedgerKind.TRANSITION,
            None if before is None else before.value,
            target.value,
            f"{actor.value}: {why}",
            # Aging, for stage-to-stage conversion times in reports.
            f"after {fmt_age(aged)} in {before.value}" if before is not None else "first stage",
        )
        if actor is Actor.DAEMON:
            self.status = self.policy.lifecycle.statuses.status_for(target)

    def is_user(self, owner_id: str | None) -> bool:
        user = None if owner_id is None else self.users.get(owner_id)
        return user is not None and not user.is_queue

    def who(self, owner_id: str | None) -> str:
        user = None if owner_id is None else self.users.get(owner_id)
        if user is not None and user.name:
            return user.name
        return owner_id or "nobody"
