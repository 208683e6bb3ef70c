"""Service levels after a handoff, measured in business time.

First follow-up is due a grade- or priority-dependent business duration after the handoff
(e.g. A: 1 business hour, B: 4, otherwise 1 business day). A touch is an activity by the
lead's owner of a touch type (calls, emails, meetings) after the handoff. A lead also needs
`required` touches within a working window; when the window ends short of them the lead
is due for recycling. On a first-response breach the policy's escalation applies: flag
(ledger), reassign to the next eligible rep, and/or a Task for the owner's manager.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from syncd.domain.calendar import BusinessCalendar, add_business_time
from syncd.domain.model import Activity, ActivityKind

__all__ = [
    "Escalation",
    "SlaPolicy",
    "SlaStatus",
    "TouchRule",
    "first_response_due",
    "owner_touches",
    "sla_status",
]


@dataclass(frozen=True, slots=True)
class TouchRule:
    """Which activities count as a touch by the owner, and how many the window needs."""

    types: tuple[str, ...] = ("call", "email")
    kinds: tuple[ActivityKind, ...] = (ActivityKind.EVENT,)
    required: int = 1
    window: timedelta = timedelta(hours=40)


@dataclass(frozen=True, slots=True)
class Escalation:
    flag: bool = True
    reassign: bool = True
    manager_task: bool = True
    max_reassignments: int = 1


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """`calendar` None means the org's default BusinessHours (given to the engine)."""

    calendar: BusinessCalendar | None
    by_grade: tuple[tuple[str, timedelta], ...]
    default: timedelta
    touches: TouchRule
    escalation: Escalation
    priority_field: str | None = None
    by_priority: tuple[tuple[str, timedelta], ...] = ()
    business_day: timedelta = timedelta(hours=8)


@dataclass(frozen=True, slots=True)
class SlaStatus:
    """Where a handed-off lead stands against its SLA at `now`.

    `breached`: the due time passed without a touch before it (a late touch still breached).
    `window_missed`: the working window ended with fewer touches than required.
    `window_end` is None while the window cannot have ended yet (not computed).
    """

    due: datetime | None
    first_touch_at: datetime | None
    touches: int
    window_end: datetime | None
    breached: bool
    window_missed: bool


def first_response_due(
    handoff_at: datetime,
    grade: str,
    fields: Mapping[str, object],
    policy: SlaPolicy,
    calendar: BusinessCalendar,
) -> tuple[datetime, str]:
    """When the first follow-up is due, and the rule that set it (priority beats grade)."""
    allowance, why = policy.default, "default"
    for g, duration in policy.by_grade:
        if g == grade:
            allowance, why = duration, f"grade {grade}"
            break
    if policy.priority_field is not None:
        priority = fields.get(policy.priority_field)
        if isinstance(priority, str):
            for value, duration in policy.by_priority:
                if value.casefold() == priority.strip().casefold():
                    allowance, why = duration, f"{policy.priority_field} {priority}"
                    break
    due = add_business_time(handoff_at, allowance, calendar)
    return due, f"{why}: {_hours(allowance)} business time"


def _hours(duration: timedelta) -> str:
    minutes = round(duration.total_seconds() / 60)
    if minutes % 60:
        return f"{minutes}m"
    return f"{minutes // 60}h"


def owner_touches(
    activities: Iterable[Activity],
    owner_id: str | None,
    since: datetime,
    now: datetime,
    rule: TouchRule,
) -> list[datetime]:
    """When the owner touched the lead (sorted): calls/emails/meetings after `since`."""
    if owner_id is None:
        return []
    types = frozenset(t.casefold() for t in rule.types)
    kinds = frozenset(rule.kinds)
    found = [
        a.activity_date
        for a in activities
        if not a.is_deleted
        and a.owner_id == owner_id
        and since <= a.activity_date <= now
        and (a.kind in kinds or (a.type or "").strip().casefold() in types)
    ]
    return sorted(found)


def sla_status(
    handoff_at: datetime,
    due: datetime | None,
    owner_id: str | None,
    activities: Iterable[Activity],
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    now: datetime,
    *,
    touches: list[datetime] | None = None,
    window_end: datetime | None = None,
) -> SlaStatus:
    """First touch, touch count, breach and working-window state since the handoff.

    Pass `touches` (from `owner_touches`) when already computed; `activities` is then unused.
    Pass `window_end` when known (it only depends on the handoff) to skip the calendar walk.
    """
    if touches is None:
        touches = owner_touches(activities, owner_id, handoff_at, now, policy.touches)
    first = touches[0] if touches else None
    breached = due is not None and now >= due and (first is None or first > due)
    window = policy.touches.window
    # Business time never runs faster than the clock: before `window` of calendar time has
    # passed the window cannot have ended, so skip the calendar walk (a rescore hot path).
    if now - handoff_at < window:
        window_end, window_missed = None, False
    else:
        if window_end is None:
            window_end = add_business_time(handoff_at, window, calendar)
        in_window = sum(1 for t in touches if t <= window_end)
        window_missed = now >= window_end and in_window < policy.touches.required
    return SlaStatus(
        due=due,
        first_touch_at=first,
        touches=len(touches),
        window_end=window_end,
        breached=breached,
        window_missed=window_missed,
    )


# --- parsing ----------------------------------------------------------------------------
